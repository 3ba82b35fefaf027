"""Submissions of assignment 05_lernkurven: wrong ones (``loses`` the cells they must fail) and
correct ones written differently from the reference (``loses`` nothing)."""
from __future__ import annotations

from coursetools.grading import ExtraCell, Mutation
from submissions import Submission

NOTEBOOK = "05_lernkurven"

_BEST_EPOCH_CALLER = '''

stop = best_epoch(history)
figure = plot_learning_curves(history)
for axes in figure.axes:
    axes.axvline(stop, color="grey", linestyle="--")
print(f"Kleinster Validierungs-Loss {min(history['val_loss']):.3f} nach Epoche {stop} von {len(history['val_loss'])}.")
'''

WRONG = [
    Submission(
        "last_epoch_instead_of_best_and_epochs_counted_from_zero", NOTEBOOK,
        (Mutation("best_epoch", "return val_loss.index(min(val_loss)) + 1", "return len(val_loss)"),
         Mutation("plot_learning_curves", 'epoch_numbers = list(range(1, len(history["loss"]) + 1))',
                  'epoch_numbers = list(range(len(history["loss"])))')),
        frozenset({"test_best_epoch", "test_best_epoch_noisy_histories", "test_learning_curve_plot",
                   "test_learning_curve_plot_other_history"}),
    ),
    # Two mistakes in disjoint cells: the epoch with the best validation accuracy instead of the
    # smallest validation loss, and the model with the best training accuracy.
    Submission(
        "epoch_by_val_accuracy_model_chosen_by_training_accuracy", NOTEBOOK,
        (Mutation("best_epoch", "return val_loss.index(min(val_loss)) + 1",
                  'return history["val_accuracy"].index(max(history["val_accuracy"])) + 1'),
         Mutation("select_best", 'results[name]["val_accuracy"]', 'results[name]["train_accuracy"]')),
        frozenset({"test_best_epoch", "test_best_epoch_noisy_histories", "test_selection_follows_validation",
                   "test_selection_ignores_training_and_test"}),
    ),
    # The course's plot_history behind a function of the student's own (imported inside it, so only a
    # lock on the module catches it), and the model chosen by its test accuracy.
    Submission(
        "plot_history_reused_and_model_chosen_by_test_accuracy", NOTEBOOK,
        (Mutation("plot_learning_curves", None, '''def plot_learning_curves(history: History) -> Figure:
    from dlkurs.plots import plot_history as draw
    return draw(history)


plot_learning_curves(history);
'''),
         Mutation("test_once", "test_loss, test_accuracy = test_set.evaluate(models[best_name], loss_fn)\n",
                  "test_scores = {name: test_set.evaluate(model, loss_fn) for name, model in models.items()}\n"
                  "best_name = max(test_scores, key=lambda name: test_scores[name][1])\n"
                  "test_loss, test_accuracy = test_scores[best_name]\n")),
        frozenset({"test_learning_curve_plot", "test_learning_curve_plot_other_history", "test_test_set_used_once"}),
    ),
    # Three mistakes in disjoint cells: a legend that names the lines the wrong way round (the lines
    # themselves carry the right labels), the model with the smallest train/validation gap (the old
    # hidden data had the best validation model also with the smallest gap), loss and accuracy swapped.
    Submission(
        "legend_swapped_model_chosen_by_smallest_gap_scores_swapped", NOTEBOOK,
        (Mutation("plot_learning_curves", "axes.legend()", 'axes.legend(["Validierung", "Training"])'),
         Mutation("select_best", 'return max(results, key=lambda name: results[name]["val_accuracy"])',
                  'return min(results, key=lambda name: results[name]["train_accuracy"] - results[name]["val_accuracy"])'),
         Mutation("test_once", "test_loss, test_accuracy = test_set.evaluate(",
                  "test_accuracy, test_loss = test_set.evaluate(")),
        frozenset({"test_learning_curve_plot", "test_learning_curve_plot_other_history",
                   "test_selection_follows_validation", "test_selection_ignores_training_and_test",
                   "test_test_set_used_once"}),
    ),
    # Early stopping at the first rise of the validation loss (passes the visible example, not noisy
    # histories), and "early stopping on the test set": the chosen model trained on and judged again,
    # the better test score kept. The same object twice, but with other weights: not a re-run.
    Submission(
        "first_rise_of_val_loss_and_test_set_judges_more_training", NOTEBOOK,
        (Mutation("best_epoch", None, '''def best_epoch(history):
    val_loss = history["val_loss"]
    for epoch in range(1, len(val_loss)):
        if val_loss[epoch] > val_loss[epoch - 1]:
            return epoch
    return len(val_loss)
''' + _BEST_EPOCH_CALLER),
         Mutation("test_once", "test_loss, test_accuracy = test_set.evaluate(models[best_name], loss_fn)\n",
                  "test_loss, test_accuracy = test_set.evaluate(models[best_name], loss_fn)\n"
                  "fit(models[best_name], train_data, val_data, loss_fn,\n"
                  "    torch.optim.Adam(models[best_name].parameters(), lr=1e-4), 2, seed=SEED, progress=False)\n"
                  "more_loss, more_accuracy = test_set.evaluate(models[best_name], loss_fn)\n"
                  "if more_accuracy > test_accuracy:\n"
                  "    test_loss, test_accuracy = more_loss, more_accuracy\n")),
        frozenset({"test_best_epoch_noisy_histories", "test_test_set_used_once"}),
    ),
]

CORRECT_BUT_DIFFERENT: list[Submission] = [
    # Lines without labels and ax.legend(labels) with longer names, NumPy epochs, markers, plt.show()
    # inside the function (a warning where no display is); a loop that keeps the later of two equal
    # epochs; a NumPy string as the chosen name, the later of two equal models; cells of the student's
    # own. The old tests failed the plot (they read the lines' own labels) and the tie (only the
    # earlier epoch counted).
    Submission(
        "axes_legend_labels_loops_and_later_ties", NOTEBOOK,
        (Mutation("plot_learning_curves", None, '''import numpy as np


def plot_learning_curves(history):
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(11, 4))
    x = np.arange(1, len(history["loss"]) + 1)
    ax_loss.plot(x, history["loss"])
    ax_loss.plot(x, history["val_loss"])
    ax_loss.set_xlabel("Epoche")
    ax_loss.set_ylabel("Loss (Kreuzentropie)")
    ax_loss.legend(["Training", "Validierung"])
    ax_acc.plot(x, np.array(history["accuracy"]), "o-")
    ax_acc.plot(x, np.array(history["val_accuracy"]), "s--")
    ax_acc.set_xlabel("Epoche")
    ax_acc.set_ylabel("Accuracy")
    ax_acc.legend(["Trainingsdaten", "Validierungsdaten"])
    plt.show()
    return fig


plot_learning_curves(history);
'''),
         Mutation("best_epoch", None, '''def best_epoch(history):
    best, lowest = 1, float("inf")
    for epoch, loss in enumerate(history["val_loss"], start=1):
        if loss <= lowest:
            best, lowest = epoch, loss
    return best
''' + _BEST_EPOCH_CALLER),
         Mutation("select_best", 'return max(results, key=lambda name: results[name]["val_accuracy"])',
                  'names = np.array(list(results))\n'
                  '    scores = np.array([results[name]["val_accuracy"] for name in names])\n'
                  '    return names[np.flatnonzero(scores == scores.max())[-1]]')),
        extra_cells=(
            ExtraCell("best_epoch", 'print("Validierungs-Loss je Epoche:", [round(v, 3) for v in history["val_loss"]])\n'
                                    'plt.plot(range(1, 26), history["val_loss"], marker="o")\n'
                                    'plt.title("Nur der Validierungs-Loss")\nplt.show()'),
            ExtraCell("select_best", "for name in sorted(results):\n    print(name, results[name])"),
        ),
    ),
    # One figure legend for both axes (lines unlabelled, colours set by hand), float32 tensors as
    # data, a NumPy integer as epoch, a loop for the selection, and the test set asked again for the
    # same model in a cell of the student's own (as when a cell is run twice). The old tests failed
    # the plot (no axes legend, a tolerance of 1e-9) and the second evaluation.
    Submission(
        "figure_legend_float32_numpy_epoch_same_model_judged_twice", NOTEBOOK,
        (Mutation("plot_learning_curves", None, '''def plot_learning_curves(history: History) -> Figure:
    fig = plt.figure(figsize=(10, 4))
    epochs = torch.arange(1, len(history["loss"]) + 1)
    for position, metric in enumerate(["loss", "accuracy"], start=1):
        ax = fig.add_subplot(1, 2, position)
        ax.plot(epochs, torch.tensor(history[metric]), color="tab:blue")
        ax.plot(epochs, torch.tensor(history["val_" + metric]), color="tab:orange")
        ax.set_xlabel("Epoche")
        ax.set_ylabel(metric.capitalize())
    fig.legend(["Training", "Validierung"], loc="upper center", ncol=2)
    return fig


plot_learning_curves(history);
'''),
         Mutation("best_epoch", None, '''import numpy as np


def best_epoch(history):
    return np.argmin(history["val_loss"]) + 1
''' + _BEST_EPOCH_CALLER),
         Mutation("select_best", 'return max(results, key=lambda name: results[name]["val_accuracy"])',
                  'best_name, best_accuracy = None, -1.0\n'
                  '    for name, scores in results.items():\n'
                  '        if scores["val_accuracy"] > best_accuracy:\n'
                  '            best_name, best_accuracy = name, scores["val_accuracy"]\n'
                  '    return best_name'),
         Mutation("test_once", "test_loss, test_accuracy = test_set.evaluate(models[best_name], loss_fn)\n",
                  "scores = test_set.evaluate(models[best_name], loss_fn)\n"
                  "test_loss, test_accuracy = scores[0], scores[1]\n")),
        extra_cells=(
            ExtraCell("test_once", 'print("Noch einmal zur Kontrolle:", test_set.evaluate(models[best_name], loss_fn))'),
        ),
    ),
]
