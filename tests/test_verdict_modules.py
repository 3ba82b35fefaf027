"""Every autograded test cell has its verdict, and no notebook holds hidden test code any more."""
from __future__ import annotations

import nbformat
import pytest

from coursetools.generate import COURSE_ROOT, source_notebooks
from coursetools.sandbox import grade_id, is_autograded_test
from coursetools.verdicts import load_verdicts

NOTEBOOKS = source_notebooks()


def verdicts_of(path):
    return load_verdicts(COURSE_ROOT / "verdicts" / path.parent.name / f"{path.stem}.py")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_every_autograded_test_cell_has_exactly_one_verdict(path):
    cells = [grade_id(cell) for cell in nbformat.read(path, as_version=4).cells if is_autograded_test(cell)]
    verdicts = verdicts_of(path)
    assert sorted(cells) == sorted(verdicts), (
        f"cells without verdict: {sorted(set(cells) - set(verdicts))}; "
        f"verdicts without cell: {sorted(set(verdicts) - set(cells))}")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_verdicts_have_a_docstring_and_declare_what_they_read(path):
    for name, function in verdicts_of(path).items():
        assert (function.__doc__ or "").strip(), f"{name} has no docstring"
        assert all(isinstance(use, str) and use.isidentifier() for use in function.verdict_uses), name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_no_source_notebook_holds_hidden_test_code(path):
    for cell in nbformat.read(path, as_version=4).cells:
        assert "### BEGIN HIDDEN TESTS" not in cell.source, f"{path.name}: hidden tests belong in verdicts/"
