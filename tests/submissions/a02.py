"""Submissions of assignment 02_regularisieren: wrong ones (``loses`` the cells they must fail) and
correct ones written differently from the reference (``loses`` nothing)."""
from __future__ import annotations

from coursetools.grading import Mutation
from submissions import Submission

NOTEBOOK = "02_regularisieren"

WRONG = [
    Submission(
        "l1_of_the_first_layer_and_dropout_without_rescaling", NOTEBOOK,
        (Mutation("l1_penalty", "sum(parameter.abs().sum() for parameter in model.parameters())",
                  "next(model.parameters()).abs().sum()"),
         Mutation("dropout_layer", "return x * keep / (1 - self.p)", "return x * keep")),
        frozenset({"test_l1_penalty", "test_l1_penalty_unseen_models", "test_dropout_in_training",
                   "test_dropout_unseen_inputs"}),
    ),
    Submission(
        "l2_penalty_after_backward_and_dropout_active_in_evaluation", NOTEBOOK,
        (Mutation("explicit_l2_step",
                  "loss = loss_fn(model(images), labels) + weight_decay / 2 * l2_penalty(model)\n    loss.backward()",
                  "loss = loss_fn(model(images), labels)\n    loss.backward()\n"
                  "    loss = loss + weight_decay / 2 * l2_penalty(model)"),
         Mutation("dropout_layer", "        if not self.training:\n            return x\n", "")),
        frozenset({"test_l2_step_matches_weight_decay", "test_l2_step_other_setup", "test_dropout_in_evaluation",
                   "test_dropout_unseen_inputs", "test_dropout_model"}),
    ),
    Submission(
        "l2_without_the_half_and_augmentation_that_flips_digits", NOTEBOOK,
        (Mutation("explicit_l2_step", "weight_decay / 2 * l2_penalty(model)", "weight_decay * l2_penalty(model)"),
         Mutation("augmentation", "v2.RandomAffine(degrees=10, translate=(0.1, 0.1), fill=BACKGROUND)",
                  "v2.Compose([v2.RandomHorizontalFlip(), v2.RandomAffine(degrees=10, fill=BACKGROUND)])")),
        frozenset({"test_l2_step_matches_weight_decay", "test_l2_step_other_setup", "test_augmentation",
                   "test_regularisation_narrows_gap"}),
    ),
]

CORRECT_BUT_DIFFERENT: list[Submission] = []
