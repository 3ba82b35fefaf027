"""Submissions of assignment 02_regularisieren: wrong ones (``loses`` the cells they must fail) and
correct ones written differently from the reference (``loses`` nothing)."""
from __future__ import annotations

from coursetools.grading import ExtraCell, Mutation
from submissions import Submission

NOTEBOOK = "02_regularisieren"

WRONG = [
    Submission(
        "l1_of_the_first_layer_unscaled_dropout_nn_dropout_in_the_model_and_the_best_training_accuracy", NOTEBOOK,
        (Mutation("l1_penalty", "sum(parameter.abs().sum() for parameter in model.parameters())",
                  "next(model.parameters()).abs().sum()"),
         Mutation("dropout_layer", "return x * keep / (1 - self.p)", "return x * keep"),
         # nn.Dropout in the model instead of the own class: print(model) shows "Dropout(p=0.5)" either way, so the
         # old structure test passed it; the verdict asks which class each Dropout layer is.
         Mutation("dropout_model", "nn.ReLU(), Dropout(p),", "nn.ReLU(), nn.Dropout(p),"),
         # The strength chosen by the training accuracy (the first value of each pair).
         Mutation("best_strength", "key=lambda strength: (sweep_results[strength][1], strength)",
                  "key=lambda strength: sweep_results[strength][0]")),
        frozenset({"test_l1_penalty", "test_l1_penalty_unseen_models", "test_dropout_in_training",
                   "test_dropout_unseen_inputs", "test_dropout_model", "test_best_strength",
                   "test_best_strength_other_inputs"}),
    ),
    Submission(
        "l2_penalty_after_backward_dropout_active_in_evaluation_and_the_smallest_gap", NOTEBOOK,
        (Mutation("explicit_l2_step",
                  "loss = loss_fn(model(images), labels) + weight_decay / 2 * l2_penalty(model)\n    loss.backward()",
                  "loss = loss_fn(model(images), labels)\n    loss.backward()\n"
                  "    loss = loss + weight_decay / 2 * l2_penalty(model)"),
         Mutation("dropout_layer", "        if not self.training:\n            return x\n", ""),
         # The strength with the smallest gap: the one that underfits most.
         Mutation("best_strength", "return max(sweep_results, key=lambda strength: (sweep_results[strength][1], strength))",
                  "return min(sweep_results, key=lambda strength: sweep_results[strength][0] - sweep_results[strength][1])")),
        frozenset({"test_l2_step_matches_weight_decay", "test_l2_step_other_setup", "test_dropout_in_evaluation",
                   "test_dropout_unseen_inputs", "test_dropout_model", "test_best_strength",
                   "test_best_strength_other_inputs"}),
    ),
    Submission(
        "l2_without_the_half_with_a_matching_weight_decay_step_and_augmentation_that_flips_digits", NOTEBOOK,
        # The penalty without the half, and the given sgd_step_weight_decay redefined with twice the weight_decay so
        # that both agree: the old test compared with the student's own sgd_step_weight_decay and passed it; the
        # verdict computes the weight-decay step itself.
        (Mutation("explicit_l2_step", "weight_decay / 2 * l2_penalty(model)", "weight_decay * l2_penalty(model)"),
         Mutation("explicit_l2_step", "    optimizer.step()", """    optimizer.step()


def sgd_step_weight_decay(model: nn.Module, images, labels, lr: float, weight_decay: float) -> None:
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, weight_decay=2 * weight_decay)
    optimizer.zero_grad()
    loss_fn(model(images), labels).backward()
    optimizer.step()"""),
         Mutation("augmentation", "v2.RandomAffine(degrees=10, translate=(0.1, 0.1), fill=BACKGROUND)",
                  "v2.Compose([v2.RandomHorizontalFlip(), v2.RandomAffine(degrees=10, fill=BACKGROUND)])")),
        frozenset({"test_l2_step_matches_weight_decay", "test_l2_step_other_setup", "test_augmentation",
                   "test_regularisation_narrows_gap"}),
    ),
]


# Wrong answers that the tests before issue 22 let through.
_DROPOUT_SOLUTION = """        if not self.training:
            return x
        keep = torch.rand_like(x) >= self.p
        return x * keep / (1 - self.p)"""

WRONG += [
    Submission(
        # Dropout from the library instead of written by hand; BatchNorm after the ReLU instead of before it.
        "library_dropout_batchnorm_after_the_relu_and_the_smaller_strength_on_a_tie", NOTEBOOK,
        (Mutation("dropout_layer", _DROPOUT_SOLUTION, "        return nn.functional.dropout(x, self.p, self.training)"),
         Mutation("batchnorm_model",
                  "nn.Linear(28 * 28, HIDDEN), nn.BatchNorm1d(HIDDEN), nn.ReLU(),\n"
                  "        nn.Linear(HIDDEN, HIDDEN), nn.BatchNorm1d(HIDDEN), nn.ReLU(),",
                  "nn.Linear(28 * 28, HIDDEN), nn.ReLU(), nn.BatchNorm1d(HIDDEN),\n"
                  "        nn.Linear(HIDDEN, HIDDEN), nn.ReLU(), nn.BatchNorm1d(HIDDEN),"),
         # On a tie the smaller strength (max keeps the first of the sorted strengths): right without ties.
         Mutation("best_strength", "return max(sweep_results, key=lambda strength: (sweep_results[strength][1], strength))",
                  "return max(sorted(sweep_results), key=lambda strength: sweep_results[strength][1])")),
        frozenset({"test_dropout_in_training", "test_dropout_in_evaluation", "test_dropout_unseen_inputs",
                   "test_batchnorm_model", "test_best_strength_other_inputs"}),
    ),
    Submission(
        # A third Dropout after the output layer (it drops logits); one BatchNorm1d object shared by both layers.
        "dropout_after_the_output_layer_one_batchnorm_for_both_layers_and_sorted_strengths_unsorted_values",
        NOTEBOOK,
        (Mutation("dropout_model", "        nn.Linear(HIDDEN, 10),\n", "        nn.Linear(HIDDEN, 10), Dropout(p),\n"),
         Mutation("batchnorm_model", None, '''def build_batchnorm_model() -> nn.Module:
    norm = nn.BatchNorm1d(HIDDEN)
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(28 * 28, HIDDEN), norm, nn.ReLU(),
        nn.Linear(HIDDEN, HIDDEN), norm, nn.ReLU(),
        nn.Linear(HIDDEN, 10),
    )


print(build_batchnorm_model())'''),
         # The sorted strengths paired with the values in the dictionary's order: right only for sorted dicts.
         Mutation("best_strength", "return max(sweep_results, key=lambda strength: (sweep_results[strength][1], strength))",
                  "strengths = sorted(sweep_results)\n"
                  "    validation = [val for _, val in sweep_results.values()]\n"
                  "    return strengths[max(range(len(strengths)), key=lambda i: (validation[i], strengths[i]))]")),
        frozenset({"test_dropout_model", "test_batchnorm_model", "test_best_strength_other_inputs"}),
    ),
]

CORRECT_BUT_DIFFERENT = [
    Submission(
        # Loops instead of generator sums, a Bernoulli mask, one ReLU and one Dropout object used twice (the old
        # structure test counted module objects: "gefunden: 1"), BatchNorm in a model class with torch.relu/F.relu,
        # rotation and shift as two transforms (its accuracy swung from 0.83 to 0.92 over the last epochs with a
        # constant learning rate, so the old gap test failed it), a mask built with torch.tensor(tensor) (a UserWarning
        # on stderr zeroed the old in-kernel test cell), cells of the student's own with prints and a plot, and a model
        # of its own in the comparison.
        "loops_reused_modules_functional_relu_a_warning_two_transforms_and_an_extra_model", NOTEBOOK,
        (Mutation("l1_penalty", None, '''def l1_penalty(model: nn.Module) -> torch.Tensor:
    """Summe der Beträge aller Parameter des Modells."""
    total = 0
    for name, parameter in model.named_parameters():
        total = total + torch.abs(parameter).sum()
    return total


print(f"L1-Strafe eines frischen Basismodells: {l1_penalty(build_baseline()).item():.1f}")'''),
         Mutation("explicit_l2_step", "return sum((parameter ** 2).sum() for parameter in model.parameters())",
                  "return torch.cat([parameter.flatten() for parameter in model.parameters()]).pow(2).sum()"),
         Mutation("explicit_l2_step",
                  "loss = loss_fn(model(images), labels) + weight_decay / 2 * l2_penalty(model)\n    loss.backward()",
                  "data_loss = loss_fn(model(images), labels)\n    penalty = 0.5 * weight_decay * l2_penalty(model)\n"
                  "    (data_loss + penalty).backward()"),
         Mutation("dropout_layer", _DROPOUT_SOLUTION, """        if self.training:
            mask = torch.tensor(torch.bernoulli(torch.full_like(x, 1 - self.p)))  # UserWarning: copy construct
            return x * mask * (1.0 / (1.0 - self.p))
        return x"""),
         Mutation("dropout_model", None, '''def build_dropout_model(p: float = 0.5) -> nn.Module:
    relu, dropout = nn.ReLU(), Dropout(p)
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(28 * 28, HIDDEN), relu, dropout,
        nn.Linear(HIDDEN, HIDDEN), relu, dropout,
        nn.Linear(HIDDEN, 10),
    )


print(build_dropout_model())'''),
         Mutation("batchnorm_model", None, '''import torch.nn.functional as F


class BatchNormNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden1 = nn.Linear(28 * 28, HIDDEN)
        self.norm1 = nn.BatchNorm1d(HIDDEN)
        self.hidden2 = nn.Linear(HIDDEN, HIDDEN)
        self.norm2 = nn.BatchNorm1d(HIDDEN)
        self.output = nn.Linear(HIDDEN, 10)

    def forward(self, x):
        x = x.view(x.shape[0], -1)
        x = torch.relu(self.norm1(self.hidden1(x)))
        x = F.relu(self.norm2(self.hidden2(x)))
        return self.output(x)


def build_batchnorm_model() -> nn.Module:
    return BatchNormNet()


print(build_batchnorm_model())'''),
         Mutation("augmentation", "augment = v2.RandomAffine(degrees=10, translate=(0.1, 0.1), fill=BACKGROUND)",
                  "augment = v2.Compose([\n    v2.RandomRotation(10, fill=BACKGROUND),\n"
                  "    v2.RandomAffine(degrees=0, translate=(0.1, 0.1), fill=BACKGROUND),\n])"),
         # A loop from the largest strength down that replaces only on a strictly better validation accuracy.
         Mutation("best_strength", None, '''def best_strength(sweep_results):
    best = None
    for strength in sorted(sweep_results, reverse=True):
        train_acc, val_acc = sweep_results[strength]
        if best is None or val_acc > sweep_results[best][1]:
            best = strength
    return best


print("gewählt:", best_strength(sweep_results))''')),
        extra_cells=(
            ExtraCell("dropout_model", '''import matplotlib.pyplot as plt

print(build_dropout_model(0.3))
figure, ax = plt.subplots(figsize=(5, 3))
ax.plot(histories["Basis"]["accuracy"])
ax.plot(histories["Basis"]["val_accuracy"])
ax.legend(["Training", "Validierung"])
plt.show()'''),
            ExtraCell("augmentation", 'print(augment)\nprint(f"Hintergrund: {BACKGROUND:.3f}")'),
            # A model of its own in the comparison whose weights fit no architecture of the notebook.
            ExtraCell("test_augmentation", 'train("Schmal", lambda: nn.Sequential(\n'
                                           '    nn.Flatten(), nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 10)))'),
        ),
    ),
    Submission(
        # Norms and torch.where instead of sums and masks, Dropout before the ReLU (the same function: ReLU and the
        # scaling commute), named layers, a reused ReLU in the BatchNorm model, a milder bilinear augmentation,
        # and a figure legend.
        "norms_where_named_layers_dropout_before_relu_milder_augmentation_and_a_combined_model", NOTEBOOK,
        (Mutation("l1_penalty", "return sum(parameter.abs().sum() for parameter in model.parameters())",
                  "return torch.stack([torch.linalg.vector_norm(parameter, ord=1) "
                  "for parameter in model.parameters()]).sum()"),
         Mutation("dropout_layer", _DROPOUT_SOLUTION,
                  "        if not self.training:\n            return x\n"
                  "        return torch.where(torch.rand_like(x) < self.p, torch.zeros_like(x), x / (1 - self.p))"),
         Mutation("dropout_model", None, '''from collections import OrderedDict


def build_dropout_model(p: float = 0.5) -> nn.Module:
    return nn.Sequential(OrderedDict([
        ("flatten", nn.Flatten()),
        ("hidden1", nn.Linear(28 * 28, HIDDEN)), ("dropout1", Dropout(p)), ("relu1", nn.ReLU()),
        ("hidden2", nn.Linear(HIDDEN, HIDDEN)), ("dropout2", Dropout(p)), ("relu2", nn.ReLU()),
        ("output", nn.Linear(HIDDEN, 10)),
    ]))


print(build_dropout_model())'''),
         Mutation("batchnorm_model", None, '''def build_batchnorm_model() -> nn.Module:
    relu = nn.ReLU()
    layers = [nn.Flatten()]
    for inputs in (28 * 28, HIDDEN):
        layers += [nn.Linear(inputs, HIDDEN), nn.BatchNorm1d(num_features=HIDDEN), relu]
    layers.append(nn.Linear(HIDDEN, 10))
    return nn.Sequential(*layers)


print(build_batchnorm_model())'''),
         Mutation("augmentation", "augment = v2.RandomAffine(degrees=10, translate=(0.1, 0.1), fill=BACKGROUND)",
                  "augment = v2.RandomAffine(degrees=(-8, 8), translate=(0.08, 0.08), fill=BACKGROUND,\n"
                  "                          interpolation=v2.InterpolationMode.BILINEAR)"),
         # The pairs sorted by validation accuracy, then strength: the last one is the best.
         Mutation("best_strength", "return max(sweep_results, key=lambda strength: (sweep_results[strength][1], strength))",
                  "ordered = sorted(sweep_results.items(), key=lambda item: (item[1][1], item[0]))\n"
                  "    return ordered[-1][0]")),
        extra_cells=(
            # One more model in the comparison: Dropout and augmentation together.
            ExtraCell("test_augmentation", 'train("Dropout und Augmentation", build_dropout_model, augment=augment)'),
            ExtraCell("test_regularisation_narrows_gap", '''import matplotlib.pyplot as plt

figure, axes = plt.subplots(1, 2, figsize=(9, 3))
for name in ("Basis", "Augmentation"):
    axes[0].plot(histories[name]["loss"])
    axes[1].plot(histories[name]["val_accuracy"])
figure.legend(["Basis", "Augmentation"])
plt.show()'''),
        ),
    ),
]
