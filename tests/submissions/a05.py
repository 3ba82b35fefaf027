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

# Early stopping with a counter of epochs without improvement, a while loop, copy.deepcopy of the
# state_dict, the history grown with setdefault and the best epoch as a NumPy integer.
_EARLY_STOPPING_WITH_COUNTER = """import copy

import numpy as np


def train_with_early_stopping(model, run_epoch, max_epochs, patience):
    history = {}
    best_loss, best_weights, epochs_without_improvement = None, None, 0
    best = np.int64(0)
    epoch = 0
    while epoch < max_epochs and epochs_without_improvement < patience:
        epoch += 1
        for key, value in run_epoch().items():
            history.setdefault(key, []).append(value)
        if best_loss is None or history["val_loss"][-1] < best_loss:
            best_loss, best = history["val_loss"][-1], np.int64(epoch)
            best_weights = copy.deepcopy(model.state_dict())
            epochs_without_improvement = 0
        else:
            epochs_without_improvement += 1
    model.load_state_dict(best_weights)
    return history, best
"""

# Early stopping that keeps a deep copy of the whole model and loads its weights back at the end;
# the stop is decided from the history, with the epoch counted from 0 inside the loop.
_EARLY_STOPPING_WITH_MODEL_COPY = """from copy import deepcopy


def train_with_early_stopping(model, run_epoch, max_epochs, patience):
    history = {"loss": [], "accuracy": [], "val_loss": [], "val_accuracy": []}
    best_model, best_index = None, -1
    for index in range(max_epochs):
        epoch_scores = run_epoch()
        for key in history:
            history[key].append(epoch_scores[key])
        if best_index < 0 or history["val_loss"][index] < history["val_loss"][best_index]:
            best_model, best_index = deepcopy(model), index
        if index - best_index == patience:
            break
    model.load_state_dict(best_model.state_dict())
    return history, best_index + 1


seed_everything(SEED)
stopped_model = build_mlp([256], nn.ReLU).to(device)
stopped_history, stopped_best = train_with_early_stopping(
    stopped_model, epoch_runner(stopped_model, torch.optim.Adam(stopped_model.parameters(), lr=1e-3)), 25, 3)
print("beste Epoche:", stopped_best, "von", len(stopped_history["loss"]))
"""

WRONG = [
    # The last epoch instead of the best, the plot's epochs counted from 0; besides that the classic
    # mistake: best_state = model.state_dict() keeps references to the tensors that
    # training changes in place, so the "best" weights restored are the last epoch's; the grid's
    # models then hold their last weights.
    Submission(
        "last_epoch_epochs_from_zero_state_dict_without_copy", NOTEBOOK,
        (Mutation("best_epoch", "return val_loss.index(min(val_loss)) + 1", "return len(val_loss)"),
         Mutation("plot_learning_curves", 'epoch_numbers = list(range(1, len(history["loss"]) + 1))',
                  'epoch_numbers = list(range(len(history["loss"])))'),
         Mutation("train_with_early_stopping",
                  "best_state = {name: tensor.detach().clone() for name, tensor in model.state_dict().items()}",
                  "best_state = model.state_dict()")),
        frozenset({"test_best_epoch", "test_best_epoch_noisy_histories", "test_early_stopping_restores_best",
                   "test_grid_uses_best_weights", "test_learning_curve_plot",
                   "test_learning_curve_plot_other_history"}),
    ),
    # Two mistakes in disjoint cells: the epoch with the best validation accuracy instead of the
    # smallest validation loss, and the model with the best training accuracy.
    # Besides that: One epoch too many: stops only after patience + 1 epochs without improvement.
    Submission(
        "epoch_by_val_accuracy_chosen_by_training_patience_off_by_one", NOTEBOOK,
        (Mutation("best_epoch", "return val_loss.index(min(val_loss)) + 1",
                  'return history["val_accuracy"].index(max(history["val_accuracy"])) + 1'),
         Mutation("select_best", 'results[name]["val_accuracy"]', 'results[name]["train_accuracy"]'),
         Mutation("train_with_early_stopping", "elif epoch - best >= patience:", "elif epoch - best > patience:")),
        frozenset({"test_best_epoch", "test_best_epoch_noisy_histories", "test_early_stopping_stops",
                   "test_early_stopping_ties_and_edges", "test_selection_follows_validation",
                   "test_selection_ignores_training_and_test"}),
    ),
    # The course's plot_history behind a function of the student's own (imported inside it, so only a
    # lock on the module catches it), and the model chosen by its test accuracy.
    # Besides that: Two mistakes in disjoint cells: an equal validation loss counts as an improvement (the later
    # epoch becomes the best and the count starts again), and the standard error without its root.
    Submission(
        "plot_history_reused_chosen_by_test_ties_improve_standard_error_without_root", NOTEBOOK,
        (Mutation("plot_learning_curves", None, '''def plot_learning_curves(history: History) -> Figure:
    from dlkurs.plots import plot_history as draw
    return draw(history)


plot_learning_curves(history);
'''),
         Mutation("test_once", "test_loss, test_accuracy = test_set.evaluate(models[best_name], loss_fn)\n",
                  "test_scores = {name: test_set.evaluate(model, loss_fn) for name, model in models.items()}\n"
                  "best_name = max(test_scores, key=lambda name: test_scores[name][1])\n"
                  "test_loss, test_accuracy = test_scores[best_name]\n"),
         Mutation("train_with_early_stopping", 'if scores["val_loss"] < best_loss:', 'if scores["val_loss"] <= best_loss:'),
         Mutation("accuracy_standard_error", "return (accuracy * (1 - accuracy) / n) ** 0.5",
                  "return accuracy * (1 - accuracy) / n")),
        frozenset({"test_early_stopping_ties_and_edges", "test_learning_curve_plot",
                   "test_learning_curve_plot_other_history", "test_standard_error", "test_test_set_used_once"}),
    ),
    # Three mistakes in disjoint cells: a legend that names the lines the wrong way round (the lines
    # themselves carry the right labels), the model with the smallest train/validation gap (the old
    # hidden data had the best validation model also with the smallest gap), loss and accuracy swapped.
    # Besides that: Written from scratch: the best weights are copied right, but loaded back only when patience runs
    # out, so a run that ends at max_epochs keeps its last weights (in the grid too); n outside the root.
    Submission(
        "legend_swapped_smallest_gap_restored_only_on_patience_n_outside_root", NOTEBOOK,
        (Mutation("plot_learning_curves", "axes.legend()", 'axes.legend(["Validierung", "Training"])'),
         Mutation("select_best", 'return max(results, key=lambda name: results[name]["val_accuracy"])',
                  'return min(results, key=lambda name: results[name]["train_accuracy"] - results[name]["val_accuracy"])'),
         Mutation("test_once", "test_loss, test_accuracy = test_set.evaluate(",
                  "test_accuracy, test_loss = test_set.evaluate("),
         Mutation("train_with_early_stopping", None, """import copy


def train_with_early_stopping(model, run_epoch, max_epochs, patience):
    history = {"loss": [], "accuracy": [], "val_loss": [], "val_accuracy": []}
    best_loss = float("inf")
    best_epoch = 0
    best_state = None
    wait = 0
    for epoch in range(max_epochs):
        scores = run_epoch()
        for key, value in scores.items():
            history[key].append(value)
        if scores["val_loss"] < best_loss:
            best_loss = scores["val_loss"]
            best_epoch = epoch + 1
            best_state = copy.deepcopy(model.state_dict())
            wait = 0
        else:
            wait += 1
            if wait >= patience:
                print(f"Early Stopping nach Epoche {epoch + 1}, beste Epoche {best_epoch}")
                model.load_state_dict(best_state)
                break
    return history, best_epoch
"""),
         Mutation("accuracy_standard_error", "return (accuracy * (1 - accuracy) / n) ** 0.5",
                  "return (accuracy * (1 - accuracy)) ** 0.5 / n")),
        frozenset({"test_early_stopping_restores_best", "test_grid_uses_best_weights", "test_learning_curve_plot",
                   "test_learning_curve_plot_other_history", "test_selection_follows_validation",
                   "test_selection_ignores_training_and_test", "test_standard_error", "test_test_set_used_once"}),
    ),
    # Early stopping at the first rise of the validation loss (passes the visible example, not noisy
    # histories), and "early stopping on the test set": the chosen model trained on and judged again,
    # the better test score kept. The same object twice, but with other weights: not a re-run.
    # Besides that: Patience counted against the previous epoch (a rise counts, a fall starts again), not against
    # the best loss so far; and the grid reports the last epoch's accuracies, not the best epoch's.
    Submission(
        "first_rise_test_set_judges_more_training_patience_against_previous_grid_last_epoch", NOTEBOOK,
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
                  "    test_loss, test_accuracy = more_loss, more_accuracy\n"),
         Mutation("train_with_early_stopping", None, """def train_with_early_stopping(model, run_epoch, max_epochs, patience):
    history = {"loss": [], "accuracy": [], "val_loss": [], "val_accuracy": []}
    best, best_state, rises, previous = 0, None, 0, float("inf")
    for epoch in range(1, max_epochs + 1):
        scores = run_epoch()
        for key in history:
            history[key].append(scores[key])
        if best == 0 or scores["val_loss"] < history["val_loss"][best - 1]:
            best = epoch
            best_state = {name: tensor.clone() for name, tensor in model.state_dict().items()}
        rises = rises + 1 if scores["val_loss"] >= previous else 0
        previous = scores["val_loss"]
        if rises >= patience:
            break
    model.load_state_dict(best_state)
    return history, best
"""),
         Mutation("grid_early_stopping",
                  'results[name] = {"train_accuracy": grid_histories[name]["accuracy"][best - 1],\n'
                  '                     "val_accuracy": grid_histories[name]["val_accuracy"][best - 1], "epoch": best}',
                  'results[name] = {"train_accuracy": grid_histories[name]["accuracy"][-1],\n'
                  '                     "val_accuracy": grid_histories[name]["val_accuracy"][-1], "epoch": best}')),
        frozenset({"test_best_epoch_noisy_histories", "test_early_stopping_stops", "test_grid_uses_best_weights",
                   "test_test_set_used_once"}),
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
                  '    return names[np.flatnonzero(scores == scores.max())[-1]]'),
         Mutation("train_with_early_stopping", None, _EARLY_STOPPING_WITH_COUNTER),
         Mutation("grid_early_stopping",
                  'results[name] = {"train_accuracy": grid_histories[name]["accuracy"][best - 1],\n'
                  '                     "val_accuracy": grid_histories[name]["val_accuracy"][best - 1], "epoch": best}',
                  '_, train_accuracy = evaluate(models[name], train_data, loss_fn)  # restored weights, all images\n'
                  '    _, val_accuracy = evaluate(models[name], val_data, loss_fn)\n'
                  '    results[name] = dict(train_accuracy=train_accuracy, val_accuracy=val_accuracy, epoch=int(best))'),
         Mutation("accuracy_standard_error", "return (accuracy * (1 - accuracy) / n) ** 0.5",
                  "import math\n    return math.sqrt(accuracy * (1 - accuracy) / n)")),
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
                  "test_loss, test_accuracy = scores[0], scores[1]\n"),
         Mutation("train_with_early_stopping", None, _EARLY_STOPPING_WITH_MODEL_COPY),
         Mutation("grid_early_stopping",
                  'grid_histories[name], best = train_with_early_stopping(models[name], run_epoch, MAX_EPOCHS, PATIENCE)\n'
                  '    results[name] = {"train_accuracy": grid_histories[name]["accuracy"][best - 1],\n'
                  '                     "val_accuracy": grid_histories[name]["val_accuracy"][best - 1], "epoch": best}',
                  'history, _ = train_with_early_stopping(models[name], run_epoch, MAX_EPOCHS, PATIENCE)\n'
                  '    grid_histories[name] = history\n'
                  '    epoch = best_epoch(history)  # die Funktion aus Aufgabe 2: dieselbe Epoche\n'
                  '    results[name] = {"epoch": epoch, "train_accuracy": history["accuracy"][epoch - 1],\n'
                  '                     "val_accuracy": history["val_accuracy"][epoch - 1]}'),
         Mutation("accuracy_standard_error", "return (accuracy * (1 - accuracy) / n) ** 0.5",
                  "right = torch.zeros(n)\n"
                  "    right[:round(accuracy * n)] = 1  # so viele Bilder richtig\n"
                  "    return float(right.std() / n ** 0.5)  # Stichproben-Standardabweichung (mit n - 1)")),
        extra_cells=(
            ExtraCell("test_once", 'print("Noch einmal zur Kontrolle:", test_set.evaluate(models[best_name], loss_fn))'),
        ),
    ),
]
