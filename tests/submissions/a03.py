"""Submissions of assignment 03_nll_vs_mse: wrong ones (``loses`` the cells they must fail) and
correct ones written differently from the reference (``loses`` nothing)."""
from __future__ import annotations

from coursetools.grading import ExtraCell, Mutation
from submissions import Submission

NOTEBOOK = "03_nll_vs_mse"

_PRINT_SOFTMAX = "\n\nprint(softmax(torch.tensor([[1.0, 2.0, 3.0], [1000.0, 0.0, -1000.0]])))\n"

WRONG = [
    Submission(
        "validation_normalised_with_its_own_statistics_and_naive_softmax", NOTEBOOK,
        (Mutation("normalise", "val_data = normalise(raw_val, channel_mean, channel_std)",
                  "val_data = normalise(raw_val, raw_val.images.mean(dim=(0, 2, 3)), "
                  "raw_val.images.std(dim=(0, 2, 3)))"),
         Mutation("softmax", "shifted = logits - logits.max(dim=1, keepdim=True).values", "shifted = logits"),
         # Gradients of all minibatches add up: the step count and the images are right, the weights are not.
         Mutation("train_epochs", "            optimizer.zero_grad()\n", "")),
        frozenset({"test_validation_uses_training_statistics", "test_softmax_large_and_unseen_inputs",
                   "test_train_epochs_like_reference"}),
    ),
    Submission(
        "softmax_over_the_batch_and_mse_against_class_indices", NOTEBOOK,
        (Mutation("softmax", "dim=1, keepdim=True).values", "dim=0, keepdim=True).values"),
         Mutation("softmax", "exponentials.sum(dim=1, keepdim=True)", "exponentials.sum(dim=0, keepdim=True)"),
         Mutation("mse_loss", "F.mse_loss(probabilities, targets)",
                  "F.mse_loss(probabilities[:, 1], labels.float())"),
         Mutation("train_epochs", "torch.randperm(len(labels), generator=generator)", "torch.arange(len(labels))")),
        frozenset({"test_softmax_matches_torch", "test_softmax_large_and_unseen_inputs",
                   "test_mse_loss_more_classes", "test_train_epochs_like_reference"}),
    ),
    Submission(
        "normalised_without_the_standard_deviation_and_choice_a", NOTEBOOK,
        (Mutation("normalise", "(data.images - mean.view(3, 1, 1)) / std.view(3, 1, 1)",
                  "data.images - mean.view(3, 1, 1)"),
         Mutation("choice", 'choice = "b"', 'choice = "a"'),
         # Shifted by the row's minimum: right for small logits, inf / inf = nan at logits of 1000.
         Mutation("softmax", "shifted = logits - logits.max(dim=1, keepdim=True).values",
                  "shifted = logits - logits.min(dim=1, keepdim=True).values"),
         # The last, smaller minibatch of each epoch is left out (its images are never trained on).
         Mutation("train_epochs", "range(0, len(labels), batch_size)",
                  "range(0, len(labels) - batch_size + 1, batch_size)")),
        frozenset({"test_training_data_normalised", "test_validation_uses_training_statistics",
                   "test_choice_is_right", "test_softmax_large_and_unseen_inputs", "test_train_epochs_steps"}),
    ),
    # Both passed the old tests: torch.softmax was never blocked, and every test batch of mse_loss held the last
    # class, so F.one_hot(labels) guessed the number of classes right.
    Submission(
        "torch_softmax_and_one_hot_without_num_classes", NOTEBOOK,
        (Mutation("softmax", None, '''\
def softmax(logits: torch.Tensor) -> torch.Tensor:
    """Softmax über die Klassen (Dimension 1) einer Minibatch von Logits der Form (N, C)."""
    return torch.softmax(logits, dim=1)
''' + _PRINT_SOFTMAX),
         Mutation("mse_loss", "F.one_hot(labels, num_classes=probabilities.shape[1])", "F.one_hot(labels)"),
         # The minibatch losses summed, not averaged over the images: the training is right, the numbers are not.
         Mutation("train_epochs", "total_loss += loss.item() * len(batch)", "total_loss += loss.item()"),
         Mutation("train_epochs", "epoch_losses.append(total_loss / len(labels))", "epoch_losses.append(total_loss)")),
        frozenset({"test_softmax_matches_torch", "test_softmax_large_and_unseen_inputs", "test_mse_loss_more_classes",
                   "test_train_epochs_like_reference"}),
    ),
    # The library's softmax under another name: a replaced torch.softmax would not catch the bound reference.
    # And the training images shuffled apart from their labels: every channel still has mean 0 and standard
    # deviation 1, so the old tests passed train_data; the network learns nothing about the validation images.
    Submission(
        "softmax_is_a_partial_of_the_library_softmax_and_images_shuffled_apart_from_labels", NOTEBOOK,
        (Mutation("softmax", None, "from functools import partial\n\nsoftmax = partial(F.softmax, dim=1)" + _PRINT_SOFTMAX),
         Mutation("normalise", "train_data = normalise(raw_train, channel_mean, channel_std)",
                  "_order = torch.randperm(len(raw_train.labels))\n"
                  "train_data = normalise(ImageData(raw_train.images[_order], raw_train.labels, raw_train.classes), "
                  "channel_mean, channel_std)"),
         # The loss summed as a tensor: right values, but each epoch's mean holds the graphs of all its minibatches
         # (and plot_history fails on them).
         Mutation("train_epochs", "total_loss += loss.item() * len(batch)", "total_loss = total_loss + loss * len(batch)")),
        frozenset({"test_softmax_matches_torch", "test_softmax_large_and_unseen_inputs",
                   "test_training_data_normalised", "test_nll_model_learns", "test_train_epochs_steps"}),
    ),
    # Minibatches drawn with replacement: as many steps as the reference, but some images twice and others never.
    Submission(
        "train_epochs_draws_minibatches_with_replacement", NOTEBOOK,
        (Mutation("train_epochs", "torch.randperm(len(labels), generator=generator)",
                  "torch.randint(len(labels), (len(labels),), generator=generator)"),),
        frozenset({"test_train_epochs_steps"}),
    ),
    # Shuffled with PyTorch's global random state: every epoch in a new order, but the same generator does not
    # give the same minibatches.
    Submission(
        "train_epochs_shuffles_with_the_global_random_state", NOTEBOOK,
        (Mutation("train_epochs", "torch.randperm(len(labels), generator=generator)", "torch.randperm(len(labels))"),),
        frozenset({"test_train_epochs_like_reference"}),
    ),
]

CORRECT_BUT_DIFFERENT = [
    # Statistics in float64 with the population standard deviation, torchvision's Normalize, a stable
    # softmax through logsumexp (1.5e-5 off at logits of 1000: the old tolerance of 1e-6 failed it, and the old
    # statistics test compared float64 with float32 and raised), the one-hot vectors from an identity matrix, an upper-case letter lowered, and cells
    # of the student's own: a plot with ax.legend(labels), a warning, prints.
    Submission(
        "float64_statistics_normalize_and_logsumexp_softmax", NOTEBOOK,
        (Mutation("normalise", None, '''\
pixels = raw_train.images.double()
channel_mean = pixels.mean(dim=(0, 2, 3))
channel_std = pixels.std(dim=(0, 2, 3), correction=0)


def normalise(data, mean, std):
    to_standard = v2.Normalize(mean=mean.tolist(), std=std.tolist())
    return ImageData(to_standard(data.images), data.labels, data.classes)


train_data = normalise(raw_train, channel_mean, channel_std)
val_data = normalise(raw_val, channel_mean, channel_std)
print(channel_mean, channel_std)
'''),
         Mutation("softmax", None, '''\
def softmax(logits):
    return torch.exp(logits - torch.logsumexp(logits, dim=1, keepdim=True))
''' + _PRINT_SOFTMAX),
         Mutation("mse_loss", None, '''\
def mse_loss(probabilities, labels):
    one_hot = torch.eye(probabilities.shape[1], device=probabilities.device)[labels]
    return ((probabilities - one_hot) ** 2).mean()
'''),
         Mutation("choice", 'choice = "b"', 'choice = "B".lower()'),
         # The textbook's DataLoader over a TensorDataset, shuffled with the given generator; the loss computed
         # before zero_grad, the mean over the images counted while iterating.
         Mutation("train_epochs", None, '''\
from torch.utils.data import DataLoader, TensorDataset


def train_epochs(model, images, labels, loss_fn, optimizer, epochs, batch_size, generator):
    loader = DataLoader(TensorDataset(images, labels), batch_size=batch_size, shuffle=True, generator=generator)
    history = []
    for epoch in range(epochs):
        running, seen = 0.0, 0
        for batch_images, batch_labels in loader:
            loss = loss_fn(model(batch_images), batch_labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            running += loss.detach().item() * batch_images.shape[0]
            seen += batch_images.shape[0]
        history.append(running / seen)
    return history
''')),
        extra_cells=(
            ExtraCell("normalise", 'import warnings\n\nwarnings.warn("Nur ein Test: Warnungen stören nicht.")\n'
                                   'print(train_data.images.mean().item())'),
            ExtraCell("mse_loss", '''\
figure, axes = plt.subplots()
axes.plot(nll_history["val_accuracy"])
axes.plot(nll_history["accuracy"])
axes.legend(["Validierung", "Training"])
plt.show()'''),
        ),
    ),
    # Loops instead of vectorised code: statistics channel by channel, a softmax row by row (over dim=-1), the
    # data built with dataclasses.replace, MSE through nn.MSELoss on one-hot vectors of the probabilities' dtype,
    # and a figure legend of the student's own.
    Submission(
        "loops_row_by_row_softmax_and_figure_legend", NOTEBOOK,
        (Mutation("normalise", None, '''\
import dataclasses

channel_mean = torch.stack([raw_train.images[:, channel].mean() for channel in range(3)])
channel_std = torch.stack([raw_train.images[:, channel].std() for channel in range(3)])


def normalise(data, mean, std):
    channels = [(data.images[:, c] - mean[c]) / std[c] for c in range(3)]
    return dataclasses.replace(data, images=torch.stack(channels, dim=1))


train_data, val_data = (normalise(raw, channel_mean, channel_std) for raw in (raw_train, raw_val))
'''),
         Mutation("softmax", None, '''\
def softmax(logits):
    rows = []
    for row in logits:
        exponentials = torch.exp(row - torch.max(row))
        rows.append(exponentials / torch.sum(exponentials, dim=-1))
    return torch.stack(rows)
''' + _PRINT_SOFTMAX),
         Mutation("mse_loss", None, '''\
def mse_loss(probabilities, labels):
    n_classes = probabilities.size(-1)
    targets = F.one_hot(labels, n_classes).to(probabilities.dtype)
    return nn.MSELoss()(probabilities, targets)
'''),
         # While loops, gradients set to None, and the weighted mean from NumPy (a NumPy float is a float).
         Mutation("train_epochs", None, '''\
import numpy as np


def train_epochs(model, images, labels, loss_fn, optimizer, epochs, batch_size, generator):
    means = []
    n = images.shape[0]
    epoch = 0
    while epoch < epochs:
        permutation = torch.randperm(n, generator=generator)
        losses, sizes = [], []
        i = 0
        while i < n:
            idx = permutation[i:i + batch_size]
            optimizer.zero_grad(set_to_none=True)
            batch_loss = loss_fn(model(images[idx]), labels[idx])
            batch_loss.backward()
            optimizer.step()
            losses.append(batch_loss.item())
            sizes.append(len(idx))
            i += batch_size
        means.append(np.average(losses, weights=sizes))
        epoch += 1
    return means
''')),
        extra_cells=(ExtraCell("choice", '''\
figure = plt.figure()
plt.plot(nll_history["val_loss"])
plt.plot(mse_history["val_loss"])
figure.legend(["NLLLoss", "MSELoss"])
print("Gewählt:", choice)'''),),
    ),
]
