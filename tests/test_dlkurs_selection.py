"""The sealed test set: it records which models (with which weights) it judged."""
from __future__ import annotations

import copy

import torch
from torch import nn

from dlkurs import ImageData, SealedTestSet, evaluate
from dlkurs.selection import fingerprint


def two_blobs(size: int, seed: int) -> ImageData:
    generator = torch.Generator().manual_seed(seed)
    labels = torch.arange(size) % 2
    images = torch.randn(size, 1, 2, 2, generator=generator) * 0.3 + (labels.float() * 2 - 1).view(-1, 1, 1, 1)
    return ImageData(images, labels, ("minus", "plus"))


def model(seed: int = 0, activation: type[nn.Module] = nn.ReLU) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Flatten(), nn.Linear(4, 3), activation(), nn.BatchNorm1d(3), nn.Linear(3, 2))


def test_a_fresh_test_set_has_judged_nothing():
    test_set = SealedTestSet(two_blobs(50, seed=2))
    assert (len(test_set), test_set.evaluations, test_set.evaluated_model) == (50, 0, None)
    assert test_set.history == [] and test_set.distinct_evaluations == []


def test_evaluate_returns_the_scores_and_records_them():
    data, loss_fn, first = two_blobs(50, seed=2), nn.CrossEntropyLoss(), model()
    test_set = SealedTestSet(data)
    assert test_set.evaluate(first, loss_fn) == evaluate(first, data, loss_fn)
    (record,) = test_set.history
    assert record.model is first and (record.loss, record.accuracy) == evaluate(first, data, loss_fn)
    assert test_set.evaluated_model is first and test_set.was_evaluated(first)


def test_the_same_unchanged_model_twice_counts_once():
    test_set, loss_fn, chosen = SealedTestSet(two_blobs(50, seed=2)), nn.CrossEntropyLoss(), model()
    test_set.evaluate(chosen, loss_fn)
    test_set.evaluate(chosen, loss_fn)  # the cell run a second time
    assert test_set.evaluations == 2
    assert [record.model for record in test_set.distinct_evaluations] == [chosen]


def test_an_identical_copy_counts_once_but_another_model_does_not():
    test_set, loss_fn, chosen = SealedTestSet(two_blobs(50, seed=2)), nn.CrossEntropyLoss(), model()
    test_set.evaluate(chosen, loss_fn)
    test_set.evaluate(copy.deepcopy(chosen), loss_fn)  # the grid trained again with the same seed
    assert len(test_set.distinct_evaluations) == 1
    test_set.evaluate(model(seed=1), loss_fn)
    test_set.evaluate(model(seed=0, activation=nn.Tanh), loss_fn)  # same weights, another function
    assert len(test_set.distinct_evaluations) == 3


def test_training_after_the_evaluation_makes_a_new_model_state():
    data, loss_fn, chosen = two_blobs(50, seed=2), nn.CrossEntropyLoss(), model()
    test_set = SealedTestSet(data)
    test_set.evaluate(chosen, loss_fn)
    before = fingerprint(chosen)
    optimizer = torch.optim.SGD(chosen.parameters(), lr=0.1)
    chosen.train()
    loss_fn(chosen(data.images), data.labels).backward()
    optimizer.step()
    assert fingerprint(chosen) != before and not test_set.was_evaluated(chosen)
    test_set.evaluate(chosen, loss_fn)  # early stopping on the test set: two states of one object
    assert len(test_set.distinct_evaluations) == 2


def test_buffers_count_and_evaluation_leaves_them_alone():
    data, loss_fn, chosen = two_blobs(50, seed=2), nn.CrossEntropyLoss(), model()
    test_set = SealedTestSet(data)
    test_set.evaluate(chosen, loss_fn)
    assert test_set.was_evaluated(chosen)  # eval mode: BatchNorm's running statistics unchanged
    chosen.train()
    chosen(data.images)  # a forward pass in training mode updates the running statistics
    assert not test_set.was_evaluated(chosen)
