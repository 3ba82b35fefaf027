"""Plausible wrong answers per assignment, and the test cells each of them must fail.

Each wrong submission is the solution with a few small edits (mutations). The grading round trip
checks that it loses exactly the points of the cells in ``loses`` and keeps all others. To cover
a new assignment, add its entries here.
"""
from __future__ import annotations

from dataclasses import dataclass

from coursetools.grading import Mutation


@dataclass(frozen=True)
class WrongSubmission:
    name: str
    notebook: str
    mutations: tuple[Mutation, ...]
    loses: frozenset[str]


A01 = "01_gezielt_overfitten"
A02 = "02_regularisieren"
A03 = "03_nll_vs_mse"
A04 = "04_netz_verkleinern"
A05 = "05_lernkurven"

WRONG_SUBMISSIONS: dict[str, list[WrongSubmission]] = {
    A01: [
        WrongSubmission(
            "first_64_images_as_batch", A01,
            (Mutation("pick_batch", "torch.randperm(len(train_data), generator=generator)[:BATCH_SIZE]",
                      "torch.arange(BATCH_SIZE)"),),
            frozenset({"test_batch_is_random"}),
        ),
        WrongSubmission(
            "loop_without_optimizer_step", A01,
            (Mutation("overfit_loop", "    optimizer.step()\n", ""),),
            frozenset({"test_batch_memorised", "test_generalisation_gap"}),
        ),
        WrongSubmission(
            "accuracy_counts_hits_instead_of_fraction", A01,
            (Mutation("accuracy_function", "(predictions == labels).float().mean().item()",
                      "(predictions == labels).sum().item()"),),
            frozenset({"test_accuracy_function", "test_accuracy_unseen_model"}),
        ),
        WrongSubmission(
            "curves_b_and_d_swapped", A01,
            (Mutation("diagnosis", '"B": "steigt", "C": "plateau", "D": "explodiert"',
                      '"B": "explodiert", "C": "plateau", "D": "steigt"'),),
            frozenset({"test_diagnosis_B", "test_diagnosis_D"}),
        ),
        WrongSubmission(
            "softmax_left_before_cross_entropy", A01,
            (Mutation("train_step", "loss_fn(model(images), labels)",
                      "loss_fn(torch.softmax(model(images), dim=1), labels)"),),
            frozenset({"test_fixed_step_memorises", "test_fixed_step_other_setup"}),
        ),
    ],    A02: [
        WrongSubmission(
            "l1_of_the_first_layer_and_dropout_without_rescaling", A02,
            (Mutation("l1_penalty", "sum(parameter.abs().sum() for parameter in model.parameters())",
                      "next(model.parameters()).abs().sum()"),
             Mutation("dropout_layer", "return x * keep / (1 - self.p)", "return x * keep")),
            frozenset({"test_l1_penalty", "test_l1_penalty_unseen_models", "test_dropout_in_training",
                       "test_dropout_unseen_inputs"}),
        ),
        WrongSubmission(
            "l2_penalty_after_backward_and_dropout_active_in_evaluation", A02,
            (Mutation("explicit_l2_step",
                      "loss = loss_fn(model(images), labels) + weight_decay / 2 * l2_penalty(model)\n    loss.backward()",
                      "loss = loss_fn(model(images), labels)\n    loss.backward()\n"
                      "    loss = loss + weight_decay / 2 * l2_penalty(model)"),
             Mutation("dropout_layer", "        if not self.training:\n            return x\n", "")),
            frozenset({"test_l2_step_matches_weight_decay", "test_l2_step_other_setup", "test_dropout_in_evaluation",
                       "test_dropout_unseen_inputs", "test_dropout_model"}),
        ),
        WrongSubmission(
            "l2_without_the_half_and_augmentation_that_flips_digits", A02,
            (Mutation("explicit_l2_step", "weight_decay / 2 * l2_penalty(model)", "weight_decay * l2_penalty(model)"),
             Mutation("augmentation", "v2.RandomAffine(degrees=10, translate=(0.1, 0.1), fill=BACKGROUND)",
                      "v2.Compose([v2.RandomHorizontalFlip(), v2.RandomAffine(degrees=10, fill=BACKGROUND)])")),
            frozenset({"test_l2_step_matches_weight_decay", "test_l2_step_other_setup", "test_augmentation",
                       "test_regularisation_narrows_gap"}),
        ),
    ],    A03: [
        WrongSubmission(
            "validation_normalised_with_its_own_statistics_and_naive_softmax", A03,
            (Mutation("normalise", "val_data = normalise(raw_val, channel_mean, channel_std)",
                      "val_data = normalise(raw_val, raw_val.images.mean(dim=(0, 2, 3)), "
                      "raw_val.images.std(dim=(0, 2, 3)))"),
             Mutation("softmax", "shifted = logits - logits.max(dim=1, keepdim=True).values", "shifted = logits")),
            frozenset({"test_validation_uses_training_statistics", "test_softmax_large_and_unseen_inputs"}),
        ),
        WrongSubmission(
            "softmax_over_the_batch_and_mse_against_class_indices", A03,
            (Mutation("softmax", "dim=1, keepdim=True).values", "dim=0, keepdim=True).values"),
             Mutation("softmax", "exponentials.sum(dim=1, keepdim=True)", "exponentials.sum(dim=0, keepdim=True)"),
             Mutation("mse_loss", "F.mse_loss(probabilities, targets)",
                      "F.mse_loss(probabilities[:, 1], labels.float())")),
            frozenset({"test_softmax_matches_torch", "test_softmax_large_and_unseen_inputs",
                       "test_mse_loss_more_classes"}),
        ),
        WrongSubmission(
            "normalised_without_the_standard_deviation_and_choice_a", A03,
            (Mutation("normalise", "(data.images - mean.view(3, 1, 1)) / std.view(3, 1, 1)",
                      "data.images - mean.view(3, 1, 1)"),
             Mutation("choice", 'choice = "b"', 'choice = "a"')),
            frozenset({"test_training_data_normalised", "test_validation_uses_training_statistics",
                       "test_choice_is_right"}),
        ),
    ],    A04: [
        WrongSubmission(
            "parameters_counted_from_the_state_dict_and_large_network_chosen", A04,
            (Mutation("count_parameters",
                      "sum(parameter.numel() for parameter in model.parameters() if parameter.requires_grad)",
                      "sum(tensor.numel() for tensor in model.state_dict().values())"),
             Mutation("chosen", 'chosen = "3072-32-2"', "chosen = LARGE")),
            frozenset({"test_count_parameters_unseen_networks", "test_chosen_is_much_smaller",
                       "test_chosen_overfits_less"}),
        ),
        WrongSubmission(
            "only_weight_matrices_counted_and_deep_narrow_network_chosen", A04,
            (Mutation("count_parameters", "if parameter.requires_grad)",
                      "if parameter.requires_grad and parameter.dim() > 1)"),
             Mutation("chosen", 'chosen = "3072-32-2"', 'chosen = "3072-128-32-2"')),
            frozenset({"test_count_parameters", "test_count_parameters_unseen_networks", "test_chosen_overfits_less"}),
        ),
        WrongSubmission(
            "output_layer_sized_from_the_last_hidden_layer", A04,
            (Mutation("build_mlp", "layers.append(nn.Linear(sizes[-1], 2))",
                      "layers.append(nn.Linear(hidden_sizes[-1], 2))"),),
            frozenset({"test_build_mlp_other_sizes"}),
        ),
    ],
    A05: [
        WrongSubmission(
            "last_epoch_instead_of_best_and_epochs_counted_from_zero", A05,
            (Mutation("best_epoch", "return val_loss.index(min(val_loss)) + 1", "return len(val_loss)"),
             Mutation("plot_learning_curves", "epochs = range(1, len(history[\"loss\"]) + 1)",
                      "epochs = range(len(history[\"loss\"]))")),
            frozenset({"test_best_epoch", "test_best_epoch_noisy_histories", "test_learning_curve_plot",
                       "test_learning_curve_plot_other_history"}),
        ),
        WrongSubmission(
            "model_chosen_by_training_accuracy", A05,
            (Mutation("select_best", 'results[name]["val_accuracy"]', 'results[name]["train_accuracy"]'),),
            frozenset({"test_selection_follows_validation", "test_selection_ignores_training_and_test"}),
        ),
        WrongSubmission(
            "model_chosen_by_test_accuracy", A05,
            (Mutation("test_once", "test_loss, test_accuracy = test_set.evaluate(models[best_name], loss_fn)\n",
                      "test_scores = {name: test_set.evaluate(model, loss_fn) for name, model in models.items()}\n"
                      "best_name = max(test_scores, key=lambda name: test_scores[name][1])\n"
                      "test_loss, test_accuracy = test_scores[best_name]\n"),),
            frozenset({"test_test_set_used_once"}),
        ),
    ],
}
