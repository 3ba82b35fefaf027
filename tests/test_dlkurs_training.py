"""The helper package's training loop, evaluation, batching and plots, on small generated data."""
from __future__ import annotations

import matplotlib
import pytest
import torch
from torch import nn

from dlkurs import (
    ImageData, SealedTestSet, batches, evaluate, fit, get_device, plot_history,
    plot_images, plot_loss_curves, plot_runs, plot_train_test_gap,
)

matplotlib.use("Agg")


def two_blobs(size: int, seed: int) -> ImageData:
    """Two well separated classes of 2x2 'images'."""
    generator = torch.Generator().manual_seed(seed)
    labels = torch.arange(size) % 2
    images = torch.randn(size, 1, 2, 2, generator=generator) * 0.3 + (labels.float() * 2 - 1).view(-1, 1, 1, 1)
    return ImageData(images, labels, ("minus", "plus"))


def tiny_model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(4, 2))


def test_batches_cover_every_sample_once_and_keep_pairs_together():
    data = ImageData(torch.arange(10.0).view(10, 1, 1, 1), torch.arange(10), ("x",))
    seen = [(images.flatten().long(), labels) for images, labels in batches(data, 4, shuffle=True,
                                                                              generator=torch.Generator().manual_seed(0))]
    assert [len(labels) for _, labels in seen] == [4, 4, 2]
    assert sorted(torch.cat([labels for _, labels in seen]).tolist()) == list(range(10))
    assert all(torch.equal(images, labels) for images, labels in seen)


def test_batches_without_shuffle_keep_the_order():
    data = ImageData(torch.zeros(5, 1, 1, 1), torch.arange(5), ("x",))
    assert torch.cat([labels for _, labels in batches(data, 2)]).tolist() == [0, 1, 2, 3, 4]


def test_evaluate_returns_mean_loss_and_accuracy_and_restores_training_mode():
    model = nn.Sequential(nn.Flatten(), nn.Linear(4, 2, bias=False))
    with torch.no_grad():
        model[1].weight.copy_(torch.tensor([[1.0, 0, 0, 0], [0, 1.0, 0, 0]]))
    images = torch.tensor([[1.0, 0, 0, 0], [0, 1.0, 0, 0], [2.0, 0, 0, 0], [0, 3.0, 0, 0]]).view(4, 1, 2, 2)
    data = ImageData(images, torch.tensor([0, 1, 1, 1]), ("a", "b"))
    loss_fn = nn.CrossEntropyLoss()
    loss, accuracy = evaluate(model, data, loss_fn, batch_size=3)
    assert accuracy == pytest.approx(0.75)
    assert loss == pytest.approx(loss_fn(model(images), data.labels).item(), rel=1e-6)
    assert model.training


def test_fit_learns_separable_data_and_returns_a_keras_like_history(capsys):
    model = tiny_model()
    history = fit(model, two_blobs(200, seed=0), two_blobs(100, seed=1), nn.CrossEntropyLoss(),
                  torch.optim.SGD(model.parameters(), lr=0.1), epochs=5, batch_size=16, progress=False)
    assert set(history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(values) == 5 for values in history.values())
    assert history["loss"][-1] < history["loss"][0]
    assert history["val_accuracy"][-1] > 0.95
    assert capsys.readouterr().err == ""


def test_fit_is_reproducible_with_the_same_seed():
    histories = []
    for _ in range(2):
        model = tiny_model()
        histories.append(fit(model, two_blobs(64, 0), two_blobs(32, 1), nn.CrossEntropyLoss(),
                             torch.optim.SGD(model.parameters(), lr=0.1), epochs=2, progress=False, seed=3))
    assert histories[0] == histories[1]


def test_fit_applies_the_augmentation_to_training_batches_only():
    calls = []

    def augment(images: torch.Tensor) -> torch.Tensor:
        calls.append(len(images))
        return images

    model = tiny_model()
    fit(model, two_blobs(40, 0), two_blobs(30, 1), nn.CrossEntropyLoss(),
        torch.optim.SGD(model.parameters(), lr=0.1), epochs=1, batch_size=16, augment=augment, progress=False)
    assert calls == [16, 16, 8]


def test_fit_adds_the_penalty_to_the_gradient_but_reports_the_data_loss():
    histories, weights = [], []
    for penalty in (None, lambda model: 10.0 * sum(parameter.abs().sum() for parameter in model.parameters())):
        model = tiny_model()
        histories.append(fit(model, two_blobs(32, 0), two_blobs(16, 1), nn.CrossEntropyLoss(),
                             torch.optim.SGD(model.parameters(), lr=0.01), epochs=1, batch_size=32,
                             penalty=penalty, progress=False))
        weights.append(model[1].weight.detach().clone())
    assert histories[0]["loss"] == histories[1]["loss"]  # one batch: the loss before the first step
    assert weights[1].abs().sum() < weights[0].abs().sum()  # the L1 term pulled the weights towards 0


def test_sealed_test_set_counts_evaluations_and_remembers_the_model():
    test_data, loss_fn = two_blobs(50, seed=2), nn.CrossEntropyLoss()
    test_set = SealedTestSet(test_data)
    assert (len(test_set), test_set.evaluations, test_set.evaluated_model) == (50, 0, None)
    first, second = tiny_model(), tiny_model()
    assert test_set.evaluate(first, loss_fn) == evaluate(first, test_data, loss_fn)
    test_set.evaluate(second, loss_fn)
    assert test_set.evaluations == 2
    assert test_set.evaluated_model is second


def test_get_device_is_cuda_exactly_when_available():
    assert get_device().type == ("cuda" if torch.cuda.is_available() else "cpu")


def test_plot_history_draws_training_and_validation_for_loss_and_accuracy():
    history = {"loss": [1.0, 0.5], "accuracy": [0.5, 0.8], "val_loss": [1.1, 0.9], "val_accuracy": [0.4, 0.6]}
    figure = plot_history(history)
    loss_axes, accuracy_axes = figure.axes
    assert [list(line.get_ydata()) for line in loss_axes.lines] == [[1.0, 0.5], [1.1, 0.9]]
    assert [list(line.get_ydata()) for line in accuracy_axes.lines] == [[0.5, 0.8], [0.4, 0.6]]
    assert loss_axes.get_xlabel() == "Epoche" and accuracy_axes.get_ylabel() == "Accuracy"


def test_plot_loss_curves_draws_one_titled_panel_per_curve():
    figure = plot_loss_curves({"A": [3.0, 2.0], "B": [1.0, 1.0], "C": [2.0, 4.0]})
    visible = [axes for axes in figure.axes if axes.get_visible()]
    assert [axes.get_title() for axes in visible] == ["A", "B", "C"]
    assert list(visible[2].lines[0].get_ydata()) == [2.0, 4.0]


def test_plot_runs_draws_one_labelled_line_per_run():
    figure = plot_runs({"A": {"val_accuracy": [0.5, 0.7]}, "B": {"val_accuracy": [0.6, 0.6]}}, "val_accuracy")
    (axes,) = figure.axes
    assert [line.get_label() for line in axes.lines] == ["A", "B"]
    assert list(axes.lines[0].get_ydata()) == [0.5, 0.7] and axes.get_xlabel() == "Epoche"


def test_plot_train_test_gap_draws_both_accuracies_and_the_gap_per_model():
    figure = plot_train_test_gap({"Basis": (1.0, 0.9), "Dropout": (0.95, 0.92)})
    (axes,) = figure.axes
    heights = [patch.get_height() for patch in axes.patches]
    assert heights == [1.0, 0.95, 0.9, 0.92]
    assert [text.get_text() for text in axes.texts] == ["Lücke 0,100", "Lücke 0,030"]
    legend = plot_train_test_gap({"A": (1.0, 0.8)}, labels=("Training", "Validierung")).axes[0].get_legend()
    assert [text.get_text() for text in legend.get_texts()] == ["Training", "Validierung"]


def test_plot_images_shows_grey_and_colour_images_with_their_titles():
    grey = plot_images(torch.rand(3, 1, 4, 4), titles=["a", "b", "c"], columns=2)
    shown = [axes for axes in grey.axes if axes.images]
    assert [axes.get_title() for axes in shown] == ["a", "b", "c"] and len(grey.axes) == 4
    colour = plot_images(torch.rand(2, 3, 4, 4) * 2)
    assert colour.axes[0].images[0].get_array().shape == (4, 4, 3)
    assert colour.axes[0].images[0].get_array().max() <= 1.0

