"""Make sure the datasets the assignments use are available (``make data``), downloading if needed."""
from dlkurs import data_roots, load_mnist


def main() -> None:
    for train in (True, False):
        print(f"MNIST {'Training' if train else 'Test'}: {len(load_mnist(train=train))} Bilder")
    print(f"Datenordner (in dieser Reihenfolge gesucht): {', '.join(str(root) for root in data_roots())}")


if __name__ == "__main__":
    main()
