"""Submissions of assignment 04_netz_verkleinern: wrong ones (``loses`` the cells they must fail) and
correct ones written differently from the reference (``loses`` nothing)."""
from __future__ import annotations

from coursetools.grading import ExtraCell, Mutation
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


# Wrong answers that the tests before issue 22 let through.
WRONG += [
    Submission(
        # nn.Softmax after the output layer (CrossEntropyLoss then applies a second softmax, and the network chosen
        # by the reference, trained this way, no longer overfits less); a count that walks the Sequential's entries,
        # so a layer used at two places is counted twice.
        "softmax_after_the_output_layer_and_a_reused_layer_counted_twice", NOTEBOOK,
        (Mutation("build_mlp", "layers.append(nn.Linear(sizes[-1], 2))",
                  "layers += [nn.Linear(sizes[-1], 2), nn.Softmax(dim=1)]"),
         Mutation("count_parameters",
                  "sum(parameter.numel() for parameter in model.parameters() if parameter.requires_grad)",
                  "sum(parameter.numel() for layer in model for parameter in layer.parameters() "
                  "if parameter.requires_grad)")),
        frozenset({"test_build_mlp", "test_build_mlp_other_sizes", "test_count_parameters_unseen_networks",
                   "test_chosen_overfits_less"}),
    ),
    Submission(
        # Tanh before each hidden Linear instead of after it: three Tanh and the right shapes, in the wrong order.
        "tanh_before_each_hidden_layer", NOTEBOOK,
        (Mutation("build_mlp", "layers += [nn.Linear(inputs, outputs), nn.Tanh()]",
                  "layers += [nn.Tanh(), nn.Linear(inputs, outputs)]"),),
        frozenset({"test_build_mlp", "test_build_mlp_other_sizes"}),
    ),
]

CORRECT_BUT_DIFFERENT = [
    Submission(
        # A model class with a ModuleList and torch.tanh in forward (no Tanh module at all), a count returned as a
        # NumPy integer (the old test demanded int), tuples as candidates, and plots of the student's own with
        # ax.legend(labels) and figure.legend().
        "model_class_with_torch_tanh_numpy_count_and_own_plots", NOTEBOOK,
        (Mutation("build_mlp", None, '''class MLP(nn.Module):
    def __init__(self, hidden_sizes):
        super().__init__()
        sizes = [3 * 32 * 32] + list(hidden_sizes)
        self.hidden = nn.ModuleList([nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:])])
        self.output = nn.Linear(sizes[-1], 2)

    def forward(self, x):
        x = x.reshape(x.shape[0], -1)
        for layer in self.hidden:
            x = torch.tanh(layer(x))
        return self.output(x)


def build_mlp(hidden_sizes: list[int]) -> nn.Module:
    return MLP(hidden_sizes)


print(build_mlp([1024, 512, 128]))'''),
         Mutation("count_parameters", None, '''import numpy as np


def count_parameters(model: nn.Module) -> int:
    return np.sum([p.numel() for p in model.parameters() if p.requires_grad])


print("Parameter des großen Netzes:", count_parameters(models[LARGE]))'''),
         Mutation("candidates", "CANDIDATES = [[128, 32], [64], [32], [8]]",
                  "CANDIDATES = [(256,), (64, 16), (32,), (16,)]"),
         Mutation("chosen", 'chosen = "3072-32-2"', 'chosen = "3072-32-2"  # wenig Lücke, trotzdem gute Validierung')),
        extra_cells=(
            ExtraCell("candidates", '''import matplotlib.pyplot as plt

figure, ax = plt.subplots(figsize=(6, 3))
for name, history in histories.items():
    ax.plot(range(1, len(history["val_loss"]) + 1), history["val_loss"])
ax.legend(list(histories))
ax.set_xlabel("Epoche")
plt.show()
print({name: count_parameters(model) for name, model in models.items()})'''),
            ExtraCell("chosen", '''figure, axes = plt.subplots(1, 2, figsize=(8, 3))
for axis, metric in zip(axes, ("accuracy", "val_accuracy")):
    axis.plot(histories[chosen][metric])
    axis.plot(histories[LARGE][metric])
figure.legend([chosen, LARGE])
plt.show()'''),
        ),
    ),
    Submission(
        # One Tanh object after every hidden layer in an OrderedDict (the old test counted module objects and found
        # one Tanh), a loop that counts and warns about large networks (a warning in a test cell used to zero it),
        # more candidates, and the choice computed from the results table.
        "one_reused_tanh_counting_loop_and_computed_choice", NOTEBOOK,
        (Mutation("build_mlp", None, '''from collections import OrderedDict


def build_mlp(hidden_sizes: list[int]) -> nn.Module:
    activation = nn.Tanh()
    layers = OrderedDict(flatten=nn.Flatten())
    width = 3 * 32 * 32
    for index, size in enumerate(hidden_sizes):
        layers[f"linear{index}"] = nn.Linear(width, size)
        layers[f"tanh{index}"] = activation
        width = size
    layers["output"] = nn.Linear(width, 2)
    return nn.Sequential(layers)


print(build_mlp([1024, 512, 128]))'''),
         Mutation("count_parameters",
                  "return sum(parameter.numel() for parameter in model.parameters() if parameter.requires_grad)",
                  "import warnings\n\n    total = 0\n    for name, parameter in model.named_parameters():\n"
                  "        if parameter.requires_grad:\n            total += parameter.numel()\n"
                  "    if total > 1_000_000:\n"
                  "        warnings.warn(f\"Großes Netz: {total} Parameter\", UserWarning)\n    return total"),
         Mutation("candidates", "CANDIDATES = [[128, 32], [64], [32], [8]]",
                  "CANDIDATES = [[256], [64, 16], [64], [32], [16], [8]]"),
         Mutation("chosen", 'chosen = "3072-32-2"', '''large_train, large_val = results[LARGE]
suitable = [
    name for name, (train, val) in results.items()
    if count_parameters(models[name]) <= count_parameters(models[LARGE]) / 4
    and train - val <= large_train - large_val - 0.02 and val >= large_val - 0.02
]
chosen = max(suitable, key=lambda name: results[name][1])''')),
    ),
]
