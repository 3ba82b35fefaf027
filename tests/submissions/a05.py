"""Submissions of assignment 05_lernkurven: wrong ones (``loses`` the cells they must fail) and
correct ones written differently from the reference (``loses`` nothing)."""
from __future__ import annotations

from coursetools.grading import Mutation
from submissions import Submission

NOTEBOOK = "05_lernkurven"

WRONG = [
    Submission(
        "last_epoch_instead_of_best_and_epochs_counted_from_zero", NOTEBOOK,
        (Mutation("best_epoch", "return val_loss.index(min(val_loss)) + 1", "return len(val_loss)"),
         Mutation("plot_learning_curves", "epochs = range(1, len(history[\"loss\"]) + 1)",
                  "epochs = range(len(history[\"loss\"]))")),
        frozenset({"test_best_epoch", "test_best_epoch_noisy_histories", "test_learning_curve_plot",
                   "test_learning_curve_plot_other_history"}),
    ),
    Submission(
        "model_chosen_by_training_accuracy", NOTEBOOK,
        (Mutation("select_best", 'results[name]["val_accuracy"]', 'results[name]["train_accuracy"]'),),
        frozenset({"test_selection_follows_validation", "test_selection_ignores_training_and_test"}),
    ),
    Submission(
        "model_chosen_by_test_accuracy", NOTEBOOK,
        (Mutation("test_once", "test_loss, test_accuracy = test_set.evaluate(models[best_name], loss_fn)\n",
                  "test_scores = {name: test_set.evaluate(model, loss_fn) for name, model in models.items()}\n"
                  "best_name = max(test_scores, key=lambda name: test_scores[name][1])\n"
                  "test_loss, test_accuracy = test_scores[best_name]\n"),),
        frozenset({"test_test_set_used_once"}),
    ),
]

CORRECT_BUT_DIFFERENT: list[Submission] = []
