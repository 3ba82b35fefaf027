"""Unit tests of the test-cell helpers in dlkurs.checks: layers in forward order, forbidden calls."""
from __future__ import annotations

from collections import OrderedDict

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.functional import dropout as imported_dropout

from dlkurs.checks import Layer, describe, forbidden_calls, layer_sequence

DROPOUT_NAMES = {"dropout", "dropout_", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout",
                 "feature_alpha_dropout", "feature_dropout"}


def test_a_reused_module_counts_at_every_place_as_print_shows_it():
    tanh = nn.Tanh()
    model = nn.Sequential(nn.Flatten(), nn.Linear(12, 5), tanh, nn.Linear(5, 4), tanh, nn.Linear(4, 2))
    layers = layer_sequence(model, torch.randn(3, 3, 2, 2))
    assert describe(layers) == "Linear(12, 5) → Tanh → Linear(5, 4) → Tanh → Linear(4, 2)"
    assert layers[1].module is layers[3].module is tanh


def test_functional_calls_count_like_their_modules_and_reshaping_is_left_out():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.hidden, self.norm, self.output = nn.Linear(12, 5), nn.BatchNorm1d(5), nn.Linear(5, 2)

        def forward(self, x):
            x = torch.relu(self.norm(self.hidden(x.view(len(x), -1))))
            x = F.dropout(x, 0.3, self.training).relu()
            return self.output(F.tanh(x))

    layers = layer_sequence(Net(), torch.randn(4, 12))
    assert describe(layers) == (
        "Linear(12, 5) → BatchNorm1d(5) → ReLU → Dropout(p=0.3) → ReLU → Tanh → Linear(5, 2)")
    assert [layer.module is None for layer in layers] == [False, False, True, True, True, True, False]


def test_own_leaf_modules_count_once_and_their_inner_calls_do_not():
    class Dropout(nn.Module):
        def __init__(self, p=0.5):
            super().__init__()
            self.p = p

        def forward(self, x):
            return torch.relu(x) * (torch.rand_like(x) >= self.p) / (1 - self.p)

    model = nn.Sequential(OrderedDict(linear=nn.Linear(3, 3), drop=Dropout(0.2)))
    assert layer_sequence(model, torch.randn(2, 3)) == [Layer("Linear", model.linear, (3, 3)),
                                                        Layer("Dropout", model.drop, p=0.2)]


def test_the_model_keeps_its_mode_and_gets_no_gradients():
    model = nn.Sequential(nn.Linear(3, 3), nn.Dropout()).eval()
    layer_sequence(model, torch.randn(2, 3))
    assert not model.training and model[0].weight.grad is None
    assert not model[0]._forward_pre_hooks and not model[0]._forward_hooks


@pytest.mark.parametrize("call", [
    lambda x: F.dropout(x, 0.5), lambda x: imported_dropout(x), lambda x: torch.dropout(x, 0.5, True),
    lambda x: nn.Dropout()(x), lambda x: F.dropout1d(x.unsqueeze(0)), lambda x: F.alpha_dropout(x, 0.5, True),
])
def test_forbidden_calls_are_caught_however_they_are_reached(call):
    with forbidden_calls(DROPOUT_NAMES, "{call} ist hier nicht erlaubt."), pytest.raises(AssertionError) as error:
        call(torch.ones(2, 3))
    assert "dropout" in str(error.value) and "nicht erlaubt" in str(error.value)


def test_other_calls_work_while_calls_are_forbidden_and_all_calls_work_afterwards():
    x = torch.ones(2, 3)
    with forbidden_calls(DROPOUT_NAMES, "{call}"):
        assert (x * (torch.rand_like(x) >= 0.5)).shape == x.shape
        assert torch.bernoulli(torch.full_like(x, 0.5)).shape == x.shape
    assert F.dropout(x, 0.5).shape == x.shape
