"""Submissions of assignment 01_gezielt_overfitten: wrong ones (``loses`` the cells they must fail) and
correct ones written differently from the reference (``loses`` nothing)."""
from __future__ import annotations

from coursetools.grading import Mutation
from submissions import Submission

NOTEBOOK = "01_gezielt_overfitten"

WRONG = [
    Submission(
        "first_64_images_as_batch", NOTEBOOK,
        (Mutation("pick_batch", "torch.randperm(len(train_data), generator=generator)[:BATCH_SIZE]",
                  "torch.arange(BATCH_SIZE)"),),
        frozenset({"test_batch_is_random"}),
    ),
    Submission(
        "loop_without_optimizer_step", NOTEBOOK,
        (Mutation("overfit_loop", "    optimizer.step()\n", ""),),
        frozenset({"test_batch_memorised", "test_generalisation_gap"}),
    ),
    Submission(
        "accuracy_counts_hits_instead_of_fraction", NOTEBOOK,
        (Mutation("accuracy_function", "(predictions == labels).float().mean().item()",
                  "(predictions == labels).sum().item()"),),
        frozenset({"test_accuracy_function", "test_accuracy_unseen_model"}),
    ),
    Submission(
        "curves_b_and_d_swapped", NOTEBOOK,
        (Mutation("diagnosis", '"B": "steigt", "C": "plateau", "D": "explodiert"',
                  '"B": "explodiert", "C": "plateau", "D": "steigt"'),),
        frozenset({"test_diagnosis_B", "test_diagnosis_D"}),
    ),
    Submission(
        "softmax_left_before_cross_entropy", NOTEBOOK,
        (Mutation("train_step", "loss_fn(model(images), labels)",
                  "loss_fn(torch.softmax(model(images), dim=1), labels)"),),
        frozenset({"test_fixed_step_memorises", "test_fixed_step_other_setup"}),
    ),
]

CORRECT_BUT_DIFFERENT: list[Submission] = []
