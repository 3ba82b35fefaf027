"""What a student's Validate button says about an untouched notebook.

``nbgrader validate`` exits 0 whether or not tests fail, so its output is what counts. The full
solution's success is covered by the grading round trip (full marks).
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from coursetools.generate import COURSE_ROOT, nbgrader


@pytest.mark.parametrize("path", sorted((COURSE_ROOT / "notebooks").glob("*.ipynb")), ids=lambda path: path.name)
def test_validate_reports_failing_tests_in_the_untouched_notebook(path: Path, tmp_path: Path):
    notebook = tmp_path / path.name
    shutil.copy(path, notebook)
    output = nbgrader(COURSE_ROOT, "validate", str(notebook)).stdout
    assert "VALIDATION FAILED" in output and "Success!" not in output
    assert "NotImplementedError" in output
