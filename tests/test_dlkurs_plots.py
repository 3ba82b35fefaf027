"""Plots as a German reader reads them: tick labels with decimal commas (dlkurs.plots.german_ticks), and the
course's plot helpers."""
from __future__ import annotations

import locale
import pickle

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from dlkurs import (  # noqa: E402
    broken_training_runs, plot_accuracy_over, plot_history, plot_loss_curves, plot_runs, plot_train_test_gap,
)
from dlkurs.plots import german_label, german_ticks  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def drawn_labels(figure: Figure) -> list[str]:
    """Every tick label and offset text of every axes as the drawn figure shows it (non-empty ones)."""
    figure.canvas.draw()
    texts = []
    for axes in figure.get_axes():
        for axis in (axes.xaxis, axes.yaxis):
            texts += [label.get_text() for label in axis.get_ticklabels(which="both")]
            texts.append(axis.get_offset_text().get_text())
    return [text for text in texts if text]


def line_figure(ys: list[float], log: bool = False) -> Figure:
    figure, axes = plt.subplots()
    axes.plot(range(len(ys)), ys)
    if log:
        axes.set_yscale("log")
    return figure


@pytest.mark.parametrize(("text", "expected"), [
    ("0.5", "0,5"), ("\N{MINUS SIGN}0.25", "\N{MINUS SIGN}0,25"), ("2.300", "2,300"), ("60000", "60 000"),
    ("4000", "4000"), ("1e9", "1e9"), ("+1.234e3", "+1,234e3"), ("$\\mathdefault{2.5}$", "$\\mathdefault{2{,}5}$"),
    ("$\\mathdefault{10^{9}}$", "$\\mathdefault{10^{9}}$"), ("$\\mathdefault{60000}$", "$\\mathdefault{60\\,000}$"),
    ("", ""),
])
def test_german_label_writes_decimal_commas_and_digit_groups(text, expected):
    assert german_label(text) == expected
    assert german_label(expected) == expected  # already German text stays as it is


def test_the_drawn_tick_labels_of_a_linear_axis_use_commas():
    figure = german_ticks(line_figure([0.0, 0.3, 0.7, 1.0]))
    labels = drawn_labels(figure)
    assert "0,2" in labels and "1,0" in labels, labels
    assert not any("." in label for label in labels), labels


def test_without_german_ticks_matplotlib_writes_points():
    assert "0.2" in drawn_labels(line_figure([0.0, 0.3, 0.7, 1.0]))  # what german_ticks changes


def test_it_needs_no_german_locale():
    assert not matplotlib.rcParams["axes.formatter.use_locale"]
    numeric = locale.setlocale(locale.LC_NUMERIC)
    labels = drawn_labels(german_ticks(line_figure([0.0, 0.5])))
    assert locale.setlocale(locale.LC_NUMERIC) == numeric
    assert "0,5" in labels or "0,50" in labels, labels


def test_large_numbers_are_grouped_and_offsets_are_german():
    labels = drawn_labels(german_ticks(line_figure([0.0, 60000.0])))
    assert "60 000" in labels, labels
    labels = drawn_labels(german_ticks(line_figure([10000.1, 10000.5])))  # labels relative to an offset
    assert not any("." in label for label in labels), labels
    assert any("," in label for label in labels), labels


def test_mathtext_labels_get_a_comma_without_a_space():
    with matplotlib.rc_context({"axes.formatter.use_mathtext": True}):
        labels = drawn_labels(german_ticks(line_figure([0.0, 1.0])))
    assert "$\\mathdefault{0{,}2}$" in labels, labels


def test_log_axes_keep_their_powers_of_ten_and_get_commas_between():
    figure = german_ticks(plot_loss_curves(broken_training_runs(), log=True))
    labels = drawn_labels(figure)
    assert "$\\mathdefault{10^{8}}$" in labels, labels
    assert not any("." in label for label in labels), labels
    assert all(axes.get_yscale() == "log" for axes in figure.get_axes())
    narrow = drawn_labels(german_ticks(line_figure([2.22, 2.3, 2.38], log=True)))  # within one decade: 2,3×10⁰
    assert any("{,}" in label for label in narrow) and not any("." in label for label in narrow), narrow


def test_text_labels_stay_as_they_are():
    figure = plot_train_test_gap({"Dropout 0.5": (0.99, 0.9), "L2": (0.95, 0.92)})
    german_ticks(figure)
    labels = drawn_labels(figure)
    assert "Dropout 0.5" in labels and "L2" in labels, labels  # names chosen by the author, not numbers
    assert "0,90" in labels or "0,9" in labels, labels


def test_german_ticks_takes_axes_and_arrays_of_axes_and_returns_them():
    figure, axes_grid = plt.subplots(1, 2, squeeze=False)
    for axes in axes_grid.flat:
        axes.plot([0, 1], [0.0, 0.5])
    assert german_ticks(axes_grid) is axes_grid
    assert german_ticks(axes_grid[0, 0]) is axes_grid[0, 0]
    assert german_ticks(figure) is figure
    assert "0,5" in drawn_labels(figure) or "0,50" in drawn_labels(figure)


def test_calling_it_twice_changes_nothing_and_figures_still_pickle():
    figure = german_ticks(german_ticks(line_figure([0.0, 12345.6])))
    labels = drawn_labels(figure)
    assert "12 000" in labels or "10 000" in labels, labels
    assert drawn_labels(pickle.loads(pickle.dumps(figure))) == labels


def test_ticklabel_format_still_works_after_it():
    figure = german_ticks(line_figure([0.0, 1e-7]))
    figure.axes[0].ticklabel_format(axis="y", style="sci", scilimits=(0, 0))  # still a ScalarFormatter
    labels = drawn_labels(figure)
    assert not any("." in label for label in labels), labels


def test_plot_loss_curves_keeps_a_linear_axis_unless_asked():
    curves = {"eins": [2.3, 1.0, 0.5], "zwei": [2.3, 2.0, 1.9], "drei": [2.3, 2.3, 2.3]}
    figure = plot_loss_curves(curves)
    visible = [axes for axes in figure.get_axes() if axes.get_visible()]
    assert [axes.get_title() for axes in visible] == list(curves)
    assert all(axes.get_yscale() == "linear" for axes in visible)
    assert all(axes.get_yscale() == "log" for axes in plot_loss_curves(curves, columns=1, log=True).get_axes())


HISTORY = {"loss": [0.9, 0.5], "val_loss": [1.0, 0.7], "accuracy": [0.7, 0.85], "val_accuracy": [0.65, 0.8]}


@pytest.mark.parametrize("draw", [
    lambda: plot_history(HISTORY),
    lambda: plot_runs({"A": HISTORY, "B": HISTORY}, "val_accuracy"),
    lambda: plot_loss_curves({"eins": [2.3, 1.0, 0.5]}),
    lambda: plot_loss_curves(broken_training_runs(), log=True),
    lambda: plot_train_test_gap({"Basis": (1.0, 0.9), "L2": (0.98, 0.93)}),
    lambda: plot_accuracy_over({1e-4: (1.0, 0.91), 1e-2: (0.97, 0.92), 1e-1: (0.85, 0.84)}, "weight_decay",
                               log_base=10),
], ids=["plot_history", "plot_runs", "plot_loss_curves", "plot_loss_curves_log", "plot_train_test_gap",
        "plot_accuracy_over"])
def test_the_course_plots_draw_decimal_commas_by_themselves(draw):
    labels = drawn_labels(draw())
    assert labels and not any("." in label for label in labels), labels


def test_plot_accuracy_over_draws_training_and_validation_at_each_setting():
    results = {0.5: (0.94, 0.92), 0.0: (1.0, 0.91), 1.5: (0.47, 0.48)}  # in the caller's order, not sorted
    figure = plot_accuracy_over(results, "Stärke", title="Augmentation", log_base=None)
    axes = figure.axes[0]
    training, validation = axes.get_lines()
    assert list(training.get_xdata()) == [0.5, 0.0, 1.5] and list(training.get_ydata()) == [0.94, 1.0, 0.47]
    assert list(validation.get_ydata()) == [0.92, 0.91, 0.48]
    assert [line.get_label() for line in (training, validation)] == ["Training", "Validierung"]
    assert (axes.get_xlabel(), axes.get_ylabel(), axes.get_title()) == ("Stärke", "Accuracy", "Augmentation")
    assert axes.get_xscale() == "linear"
    assert plot_accuracy_over(results, "n", log_base=2).axes[0].get_xscale() == "log"
