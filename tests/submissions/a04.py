"""Submissions of assignment 04_netz_verkleinern: wrong ones (``loses`` the cells they must fail) and
correct ones written differently from the reference (``loses`` nothing)."""
from __future__ import annotations

from coursetools.grading import Mutation
from submissions import Submission

NOTEBOOK = "04_netz_verkleinern"

WRONG = [
    Submission(
        "parameters_counted_from_the_state_dict_and_large_network_chosen", NOTEBOOK,
        (Mutation("count_parameters",
                  "sum(parameter.numel() for parameter in model.parameters() if parameter.requires_grad)",
                  "sum(tensor.numel() for tensor in model.state_dict().values())"),
         Mutation("chosen", 'chosen = "3072-32-2"', "chosen = LARGE")),
        frozenset({"test_count_parameters_unseen_networks", "test_chosen_is_much_smaller",
                   "test_chosen_overfits_less"}),
    ),
    Submission(
        "only_weight_matrices_counted_and_deep_narrow_network_chosen", NOTEBOOK,
        (Mutation("count_parameters", "if parameter.requires_grad)",
                  "if parameter.requires_grad and parameter.dim() > 1)"),
         Mutation("chosen", 'chosen = "3072-32-2"', 'chosen = "3072-128-32-2"')),
        frozenset({"test_count_parameters", "test_count_parameters_unseen_networks", "test_chosen_overfits_less"}),
    ),
    Submission(
        "output_layer_sized_from_the_last_hidden_layer", NOTEBOOK,
        (Mutation("build_mlp", "layers.append(nn.Linear(sizes[-1], 2))",
                  "layers.append(nn.Linear(hidden_sizes[-1], 2))"),),
        frozenset({"test_build_mlp_other_sizes"}),
    ),
]

CORRECT_BUT_DIFFERENT: list[Submission] = []
