"""Submissions of assignment 03_nll_vs_mse: wrong ones (``loses`` the cells they must fail) and
correct ones written differently from the reference (``loses`` nothing)."""
from __future__ import annotations

from coursetools.grading import Mutation
from submissions import Submission

NOTEBOOK = "03_nll_vs_mse"

WRONG = [
    Submission(
        "validation_normalised_with_its_own_statistics_and_naive_softmax", NOTEBOOK,
        (Mutation("normalise", "val_data = normalise(raw_val, channel_mean, channel_std)",
                  "val_data = normalise(raw_val, raw_val.images.mean(dim=(0, 2, 3)), "
                  "raw_val.images.std(dim=(0, 2, 3)))"),
         Mutation("softmax", "shifted = logits - logits.max(dim=1, keepdim=True).values", "shifted = logits")),
        frozenset({"test_validation_uses_training_statistics", "test_softmax_large_and_unseen_inputs"}),
    ),
    Submission(
        "softmax_over_the_batch_and_mse_against_class_indices", NOTEBOOK,
        (Mutation("softmax", "dim=1, keepdim=True).values", "dim=0, keepdim=True).values"),
         Mutation("softmax", "exponentials.sum(dim=1, keepdim=True)", "exponentials.sum(dim=0, keepdim=True)"),
         Mutation("mse_loss", "F.mse_loss(probabilities, targets)",
                  "F.mse_loss(probabilities[:, 1], labels.float())")),
        frozenset({"test_softmax_matches_torch", "test_softmax_large_and_unseen_inputs",
                   "test_mse_loss_more_classes"}),
    ),
    Submission(
        "normalised_without_the_standard_deviation_and_choice_a", NOTEBOOK,
        (Mutation("normalise", "(data.images - mean.view(3, 1, 1)) / std.view(3, 1, 1)",
                  "data.images - mean.view(3, 1, 1)"),
         Mutation("choice", 'choice = "b"', 'choice = "a"')),
        frozenset({"test_training_data_normalised", "test_validation_uses_training_statistics",
                   "test_choice_is_right"}),
    ),
]

CORRECT_BUT_DIFFERENT: list[Submission] = []
