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
    # Wrong answers that fail disjoint cells: the first 64 images as "random" batch, uniform_loss with the base-10
    # logarithm (1 for ten classes), accuracy() counting hits instead of the fraction, curves B and D swapped.
    # initial_loss is right on that batch: the first 64 images cost only the batch's own cells.
    Submission(
        "first_64_images_log10_hit_count_accuracy_curves_b_and_d_swapped", NOTEBOOK,
        (Mutation("pick_batch", "torch.randperm(len(data), generator=generator)[:size]", "torch.arange(size)"),
         Mutation("uniform_loss", "return -math.log(1 / num_classes)", "return math.log10(num_classes)"),
         Mutation("accuracy_function", "(predictions == labels).float().mean().item()",
                  "(predictions == labels).sum().item()"),
         Mutation("diagnosis", '"B": "plateau", "C": "explodiert", "D": "oszilliert"',
                  '"B": "oszilliert", "C": "explodiert", "D": "plateau"')),
        frozenset({"test_batch_is_random", "test_draw_batch_other_inputs", "test_uniform_loss", "test_accuracy_function",
                   "test_accuracy_unseen_model", "test_diagnosis_B", "test_diagnosis_D"}),
    ),
    # The overfitting loop never steps the optimizer; initial_loss and train_step put a softmax before
    # nn.CrossEntropyLoss (at the start that loss is near ln 10 as well: 2.299 instead of 2.288).
    Submission(
        "loop_without_optimizer_step_and_softmax_before_cross_entropy", NOTEBOOK,
        (Mutation("initial_loss", "loss_fn(model(batch_images), batch_labels)",
                  "loss_fn(torch.softmax(model(batch_images), dim=1), batch_labels)"),
         Mutation("overfit_loop", "    optimizer.step()\n", ""),
         Mutation("train_step", "loss_fn(model(images), labels)",
                  "loss_fn(torch.softmax(model(images), dim=1), labels)")),
        frozenset({"test_initial_loss", "test_batch_memorised", "test_generalisation_gap", "test_fixed_step_memorises",
                   "test_fixed_step_other_setup"}),
    ),
    # Seed 0 happens to draw 64 distinct indices out of 60 000, and the course's model has neither Dropout nor
    # BatchNorm: only calls on inputs the student did not choose see the batch drawn with replacement and the
    # accuracy() without eval(). train_step steps twice per call (the batch is still memorised). The diagnosis is
    # wrong for every curve, written with a str whose == is always true: that fooled the old in-kernel tests
    # (diagnosis["A"] == "steigt" held), the verdict sees the plain strings. uniform_loss is ln 10 written as a
    # constant (right for the notebook's ten classes only); initial_loss is measured after training the model (the
    # overfitting cell builds its own model again, so only initial_loss's cell sees it).
    Submission(
        "replacement_no_eval_two_steps_constant_ln10_loss_after_training_and_always_equal_strings", NOTEBOOK,
        (Mutation("pick_batch", "torch.randperm(len(data), generator=generator)[:size]",
                  "torch.randint(len(data), (size,), generator=generator)"),
         Mutation("uniform_loss", "return -math.log(1 / num_classes)", "return math.log(10)"),
         Mutation("initial_loss", """with torch.no_grad():
    initial_loss = loss_fn(model(batch_images), batch_labels).item()""", """optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for _ in range(100):
    optimizer.zero_grad()
    loss = loss_fn(model(batch_images), batch_labels)
    loss.backward()
    optimizer.step()
initial_loss = loss_fn(model(batch_images), batch_labels).item()"""),
         Mutation("accuracy_function", "    model.eval()\n", ""),
         Mutation("accuracy_function", "    model.train()\n", ""),
         Mutation("diagnosis", 'diagnosis = {"A": "steigt", "B": "plateau", "C": "explodiert", "D": "oszilliert"}', '''\
class Pattern(str):
    def __eq__(self, other):
        return True

    __hash__ = str.__hash__


diagnosis = {curve: Pattern(pattern)
             for curve, pattern in zip("ABCD", ["plateau", "oszilliert", "steigt", "explodiert"])}'''),
         Mutation("train_step", "    optimizer.step()\n", "    optimizer.step()\n    optimizer.step()\n")),
        frozenset({"test_draw_batch_other_inputs", "test_uniform_loss", "test_initial_loss", "test_accuracy_unseen_model",
                   "test_diagnosis_A", "test_diagnosis_B", "test_diagnosis_C", "test_diagnosis_D",
                   "test_fixed_step_other_setup"}),
    ),
    # torch.randperm without the generator: random, but another batch each time; uniform_loss with torch.log on an
    # int (a TypeError, also in the cell's own print); initial_loss hard-coded as 2.3; accuracy() switches to eval()
    # but never back; train_step computes its own cross-entropy instead of the loss_fn it is given (the course's
    # own calls all pass nn.CrossEntropyLoss).
    Submission(
        "global_random_state_torch_log_of_int_hard_coded_2_3_stays_in_eval_and_ignores_loss_fn", NOTEBOOK,
        (Mutation("pick_batch", "torch.randperm(len(data), generator=generator)", "torch.randperm(len(data))"),
         Mutation("uniform_loss", "return -math.log(1 / num_classes)", "return torch.log(num_classes)"),
         Mutation("initial_loss", """with torch.no_grad():
    initial_loss = loss_fn(model(batch_images), batch_labels).item()""", "initial_loss = 2.3  # ≈ ln 10"),
         Mutation("accuracy_function", "    model.train()\n", ""),
         Mutation("train_step", "loss = loss_fn(model(images), labels)",
                  "loss = nn.functional.cross_entropy(model(images), labels)")),
        frozenset({"test_batch_is_random", "test_draw_batch_other_inputs", "test_uniform_loss", "test_initial_loss",
                   "test_accuracy_unseen_model", "test_fixed_step_other_setup"}),
    ),
    # draw_batch ignores size (always BATCH_SIZE: right for the notebook's own call); uniform_loss is ln(1/k), the
    # sign lost; initial_loss summed over the batch (64 times ln 10); one pattern twice in the diagnosis;
    # train_step returns the loss tensor instead of a number.
    Submission(
        "batch_size_fixed_negative_uniform_loss_summed_loss_pattern_twice_and_tensor_loss", NOTEBOOK,
        (Mutation("pick_batch", "generator=generator)[:size]", "generator=generator)[:BATCH_SIZE]"),
         Mutation("uniform_loss", "return -math.log(1 / num_classes)", "return math.log(1 / num_classes)"),
         Mutation("initial_loss", "loss_fn = nn.CrossEntropyLoss()", 'loss_fn = nn.CrossEntropyLoss(reduction="sum")'),
         Mutation("diagnosis", '"D": "oszilliert"', '"D": "explodiert"'),
         Mutation("train_step", "return loss.item()", "return loss")),
        frozenset({"test_draw_batch_other_inputs", "test_uniform_loss", "test_initial_loss", "test_diagnosis_format",
                   "test_diagnosis_D", "test_fixed_step_memorises"}),
    ),
]

CORRECT_BUT_DIFFERENT = [
    # Another way to draw (sorted argsort of uniform numbers, returned as a list), train_step returning float(loss)
    # (PyTorch warns once per process: the warning on stderr cost the point before nbgrader_config.py routed
    # warnings to stdout), NumPy for the accuracy under inference_mode, restoring the previous mode and printing to
    # stderr (which failed an in-kernel test cell; the verdict calls it in the probe process), a dict built by
    # keywords, and cells of the student's own with prints, a warning and a plot with fig.legend(). uniform_loss
    # returns a NumPy float (np.log); initial_loss is written out as the mean of -log_softmax at the labels, with
    # gradients, converted by float().
    Submission(
        "argsort_batch_numpy_accuracy_float_loss", NOTEBOOK,
        (Mutation("uniform_loss", None, '''\
import numpy as np


def uniform_loss(num_classes):
    return np.log(num_classes)  # -ln(1/k) = ln k
'''),
         Mutation("initial_loss", None, '''\
seed_everything(SEED)
model = build_model().to(device)
loss_fn = nn.CrossEntropyLoss()
log_probabilities = torch.log_softmax(model(batch_images), dim=1)
initial_loss = float(-log_probabilities[torch.arange(len(batch_labels)), batch_labels].mean())
print("Anfangsloss:", initial_loss, "erwartet:", uniform_loss(10))
'''),
         Mutation("pick_batch", None, '''\
def draw_batch(data, size, generator):
    order = torch.rand(len(data), generator=generator).argsort()
    chosen = order[:size].sort().values  # sortiert, aber trotzdem zufällig und ohne Wiederholung
    return [data.images[chosen], data.labels[chosen]]
''' + _GIVEN_BATCH_CODE),
         Mutation("accuracy_function", None, '''\
import sys

import numpy as np


def accuracy(model, images, labels):
    print(f"accuracy() auf {len(labels)} Bildern", file=sys.stderr)  # stderr: failed an old in-kernel test cell
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
    # Loops instead of vectorised code: the batch gathered one example at a time, uniform_loss as the entropy of the
    # uniform distribution summed class by class, initial_loss with NLLLoss on log_softmax in evaluation mode under
    # inference_mode, the accuracy counted in chunks with model.train(False) and a @torch.no_grad() decorator,
    # zero_grad after the step returning a NumPy float32, another overfitting loop.
    Submission(
        "loops_and_zero_grad_after_the_step", NOTEBOOK,
        (Mutation("uniform_loss", None, '''\
def uniform_loss(num_classes):
    p = 1 / num_classes
    return sum(-p * math.log(p) for _ in range(num_classes))  # Entropie der Gleichverteilung
'''),
         Mutation("initial_loss", None, '''\
seed_everything(SEED)
model = build_model().to(device)
loss_fn = nn.CrossEntropyLoss()
model.eval()
with torch.inference_mode():
    initial_loss = nn.NLLLoss()(torch.log_softmax(model(batch_images), dim=1), batch_labels).item()
model.train()
print(f"{initial_loss=:.4f} {math.log(10)=:.4f}")
'''),
         Mutation("pick_batch", None, '''\
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
import numpy as np


def train_step(model, optimizer, loss_fn, images, labels):
    loss = loss_fn(model(images), labels)
    loss.backward()
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    return np.float32(loss.detach().item())  # a NumPy number
''')),
        extra_cells=(ExtraCell("pick_batch", 'print("Klassen in der Batch:", sorted(set(batch_labels.tolist())))'),),
    ),
]
