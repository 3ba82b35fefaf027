"""Submissions of assignment 01_gezielt_overfitten: wrong ones (``loses`` the cells they must fail) and
correct ones written differently from the reference (``loses`` nothing)."""
from __future__ import annotations

from coursetools.grading import ExtraCell, Mutation
from submissions import Submission

NOTEBOOK = "01_gezielt_overfitten"

_GIVEN_BATCH_CODE = """

BATCH_SIZE = 64
generator = torch.Generator().manual_seed(SEED)
batch_images, batch_labels = draw_batch(train_data, BATCH_SIZE, generator)
batch_images, batch_labels = batch_images.to(device), batch_labels.to(device)
print(f"Batch: {tuple(batch_images.shape)}, Labels: {batch_labels.tolist()}")
"""

WRONG = [
    Submission(
        "first_64_images_as_batch", NOTEBOOK,
        (Mutation("pick_batch", "torch.randperm(len(data), generator=generator)[:size]", "torch.arange(size)"),),
        frozenset({"test_batch_is_random", "test_draw_batch_other_inputs"}),
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
        (Mutation("diagnosis", '"B": "plateau", "C": "explodiert", "D": "oszilliert"',
                  '"B": "oszilliert", "C": "explodiert", "D": "plateau"'),),
        frozenset({"test_diagnosis_B", "test_diagnosis_D"}),
    ),
    Submission(
        "softmax_left_before_cross_entropy", NOTEBOOK,
        (Mutation("train_step", "loss_fn(model(images), labels)",
                  "loss_fn(torch.softmax(model(images), dim=1), labels)"),),
        frozenset({"test_fixed_step_memorises", "test_fixed_step_other_setup"}),
    ),
    # Seed 0 happens to draw 64 distinct indices out of 60 000, and the course's model has neither Dropout nor
    # BatchNorm: only the hidden tests, which call these functions on inputs the student did not choose, see it.
    Submission(
        "batch_drawn_with_replacement_and_accuracy_without_eval", NOTEBOOK,
        (Mutation("pick_batch", "torch.randperm(len(data), generator=generator)[:size]",
                  "torch.randint(len(data), (size,), generator=generator)"),
         Mutation("accuracy_function", "    model.eval()\n", ""),
         Mutation("accuracy_function", "    model.train()\n", "")),
        frozenset({"test_draw_batch_other_inputs", "test_accuracy_unseen_model"}),
    ),
    # torch.randperm without the generator: random, but another batch each time; train_step computes its own
    # cross-entropy instead of the loss_fn it is given (the course's tests all pass nn.CrossEntropyLoss).
    Submission(
        "batch_from_global_random_state_and_train_step_ignores_loss_fn", NOTEBOOK,
        (Mutation("pick_batch", "torch.randperm(len(data), generator=generator)", "torch.randperm(len(data))"),
         Mutation("train_step", "loss = loss_fn(model(images), labels)",
                  "loss = nn.functional.cross_entropy(model(images), labels)")),
        frozenset({"test_batch_is_random", "test_draw_batch_other_inputs", "test_fixed_step_other_setup"}),
    ),
]

CORRECT_BUT_DIFFERENT = [
    # Another way to draw (sorted argsort of uniform numbers, returned as a list), train_step returning float(loss)
    # (PyTorch warns once per process, here inside test_fixed_step_memorises: the warning on stderr cost the point
    # before nbgrader_config.py routed warnings to stdout), NumPy for the accuracy under inference_mode, restoring
    # the previous mode, a dict built by keywords, and cells of the student's own with prints, a warning and a plot
    # with fig.legend().
    Submission(
        "argsort_batch_numpy_accuracy_float_loss", NOTEBOOK,
        (Mutation("pick_batch", None, '''\
def draw_batch(data, size, generator):
    order = torch.rand(len(data), generator=generator).argsort()
    chosen = order[:size].sort().values  # sortiert, aber trotzdem zufällig und ohne Wiederholung
    return [data.images[chosen], data.labels[chosen]]
''' + _GIVEN_BATCH_CODE),
         Mutation("accuracy_function", None, '''\
import numpy as np


def accuracy(model, images, labels):
    was_training = model.training
    model.eval()
    with torch.inference_mode():
        predicted = model(images).argmax(dim=1).cpu().numpy()
    model.train(was_training)
    return np.mean(predicted == labels.cpu().numpy())


batch_accuracy = accuracy(model, batch_images, batch_labels)
test_accuracy = accuracy(model, test_data.images.to(device), test_data.labels.to(device))
print(f"Accuracy auf der Batch: {batch_accuracy:.1%}, auf den Testdaten: {test_accuracy:.1%}")
'''),
         Mutation("diagnosis", 'diagnosis = {"A": "steigt", "B": "plateau", "C": "explodiert", "D": "oszilliert"}',
                  'diagnosis = dict(D="oszilliert", C="explodiert", B="plateau", A="steigt")'),
         Mutation("train_step", None, '''\
def train_step(model, optimizer, loss_fn, images, labels):
    logits = model(images)
    loss = loss_fn(logits, labels)
    model.zero_grad()
    loss.backward()
    optimizer.step()
    return float(loss)
''')),
        extra_cells=(
            ExtraCell("overfit_loop", 'import warnings\n\nwarnings.warn("Nur ein Test: Warnungen stören nicht.")\n'
                                      'print("Minimum:", min(batch_losses))'),
            ExtraCell("accuracy_function", '''\
import matplotlib.pyplot as plt

figure, axes = plt.subplots()
axes.bar([0], [batch_accuracy])
axes.bar([1], [test_accuracy])
figure.legend(["Batch", "Test"])
plt.show()'''),
        ),
    ),
    # Loops instead of vectorised code: the batch gathered one example at a time, the accuracy counted in chunks
    # with model.train(False) and a @torch.no_grad() decorator, zero_grad after the step, another overfitting loop.
    Submission(
        "loops_and_zero_grad_after_the_step", NOTEBOOK,
        (Mutation("pick_batch", None, '''\
def draw_batch(data, size, generator):
    shuffled = torch.randperm(len(data), generator=generator).tolist()
    images, labels = [], []
    for index in shuffled[:size]:
        images.append(data.images[index])
        labels.append(data.labels[index])
    return torch.stack(images), torch.stack(labels)
''' + _GIVEN_BATCH_CODE),
         Mutation("overfit_loop", None, '''\
seed_everything(SEED)
model = build_model().to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = nn.CrossEntropyLoss()
ITERATIONS = 100
batch_losses = []
while len(batch_losses) < ITERATIONS:
    predictions = model(batch_images)
    current_loss = loss_fn(predictions, batch_labels)
    optimizer.zero_grad()
    current_loss.backward()
    optimizer.step()
    batch_losses += [current_loss.detach().item()]
print(f"Loss nach der ersten Iteration: {batch_losses[0]:.3f}, nach der letzten: {batch_losses[-1]:.4f}")
'''),
         Mutation("accuracy_function", None, '''\
@torch.no_grad()
def accuracy(net, x, y):
    net.train(False)
    hits = 0
    for start in range(0, len(x), 1000):
        scores = net(x[start:start + 1000])
        hits += int((scores.max(dim=1).indices == y[start:start + 1000]).sum())
    net.train(True)
    return hits / len(y)


batch_accuracy = accuracy(model, batch_images, batch_labels)
test_accuracy = accuracy(model, test_data.images.to(device), test_data.labels.to(device))
print(batch_accuracy, test_accuracy)
'''),
         Mutation("diagnosis", 'diagnosis = {"A": "steigt", "B": "plateau", "C": "explodiert", "D": "oszilliert"}',
                  'diagnosis = {}\nfor letter, pattern in zip("ABCD", ["steigt", "plateau", "explodiert", "oszilliert"]):\n'
                  '    diagnosis[letter] = pattern'),
         Mutation("train_step", None, '''\
def train_step(model, optimizer, loss_fn, images, labels):
    loss = loss_fn(model(images), labels)
    loss.backward()
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    return loss.detach().item()
''')),
        extra_cells=(ExtraCell("pick_batch", 'print("Klassen in der Batch:", sorted(set(batch_labels.tolist())))'),),
    ),
]
