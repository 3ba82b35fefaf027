"""Make sure the datasets the assignments use are available (``make data``), downloading if needed.

CIFAR-10's airplanes and birds (assignments 03 and 04) are decoded once here, so that the notebooks
read them from the tensor cache.
"""
from dlkurs import CIFAR2_CLASSES, data_roots, load_cifar10, load_mnist


def main() -> None:
    for train in (True, False):
        split = "Training" if train else "Test"
        print(f"MNIST {split}: {len(load_mnist(train=train))} Bilder")
        print(f"CIFAR-10 {split}, {' und '.join(CIFAR2_CLASSES)}: {len(load_cifar10(train, CIFAR2_CLASSES))} Bilder")
    print(f"Datenordner (in dieser Reihenfolge gesucht): {', '.join(str(root) for root in data_roots())}")


if __name__ == "__main__":
    main()
