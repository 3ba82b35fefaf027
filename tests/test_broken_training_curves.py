"""The loss curves of notebook 01's "Losskurven lesen": shipped without their key, recorded by coursetools.

Students get the curves from ``dlkurs`` (letters A to D only); the bugs behind them and the answer
key live in ``coursetools.broken_runs``, the notebook's solution and its verdicts (``verdicts/01_gezielt_overfitten``).
"""
from __future__ import annotations

import ast
import importlib.util
import json
import re

import nbformat
import pytest

from coursetools import broken_runs
from coursetools.generate import COURSE_ROOT
from dlkurs import broken_training_runs
from dlkurs.broken_training import CURVES_FILE

NOTEBOOK = COURSE_ROOT / "source" / "01_gezielt_overfitten" / "01_gezielt_overfitten.ipynb"
PATTERNS = ("steigt", "explodiert", "oszilliert", "plateau")
REVEALING = ("steig", "explod", "oszill", "plateau", "sign", "vorzeichen", "shuffl", "zero_grad", "reduction",
             "momentum", "sum", "lr", "adam", "sgd", "backprop")


def test_dlkurs_returns_four_curves_of_100_losses_by_letter():
    curves = broken_training_runs()
    assert list(curves) == ["A", "B", "C", "D"]
    assert all(len(losses) == broken_runs.ITERATIONS and all(isinstance(loss, float) for loss in losses)
               for losses in curves.values())


def test_shipped_curves_are_what_the_recording_produces():
    recorded, shipped = broken_runs.record(), broken_training_runs()
    assert list(recorded) == list(shipped)
    for letter in recorded:
        assert shipped[letter] == pytest.approx(recorded[letter], rel=1e-5), letter


def test_each_curve_shows_the_pattern_of_its_key():
    curves = broken_training_runs()
    assert sorted(broken_runs.KEY.values()) == sorted(PATTERNS)
    for letter, pattern in broken_runs.KEY.items():
        losses = curves[letter]
        steps = [after - before for before, after in zip(losses, losses[1:])]
        turns = sum(1 for first, second in zip(steps, steps[1:]) if first * second < 0)
        if pattern == "steigt":
            assert losses[-1] > 3 * losses[0] and max(losses) < 100 * losses[0], letter
            assert sum(step > 0 for step in steps) >= 0.95 * len(steps), letter
        elif pattern == "explodiert":
            assert max(losses) > 1e6 * losses[0], letter
        elif pattern == "oszilliert":
            assert turns >= 30 and max(losses) < 1.2 * losses[0] and min(losses) > 0.8 * losses[0], letter
        else:
            assert max(losses) == min(losses), letter


def test_nothing_the_students_get_reveals_the_key():
    source = (COURSE_ROOT / "dlkurs" / "broken_training.py").read_text().lower()
    assert [word for word in REVEALING if re.search(rf"\b{word}", source)] == []
    assert list(json.loads(CURVES_FILE.read_text())) == ["A", "B", "C", "D"]
    for cell in nbformat.read(NOTEBOOK, as_version=4).cells:
        visible = re.sub(r"### BEGIN (SOLUTION|HIDDEN TESTS).*?### END \1", "", cell.source, flags=re.DOTALL)
        assert "broken_training.py" not in visible
        for letter, pattern in broken_runs.KEY.items():
            assert not re.search(rf"""["']{letter}["']\s*[]:=,)]*\s*=*\s*["']{pattern}["']""", visible), cell.source


def test_the_notebook_grades_with_the_same_key():
    cells = {cell.metadata.get("nbgrader", {}).get("grade_id"): cell.source
             for cell in nbformat.read(NOTEBOOK, as_version=4).cells}
    solution = re.search(r"diagnosis = (\{.*?\})", cells["diagnosis"]).group(1)
    assert ast.literal_eval(solution) == broken_runs.KEY
    verdicts = COURSE_ROOT / "verdicts" / "01_gezielt_overfitten" / "01_gezielt_overfitten.py"
    spec = importlib.util.spec_from_file_location("verdicts_01", verdicts)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.KEY == broken_runs.KEY
