"""The reference solution as a student hands it in, and the check that it gets full marks.

The grading command grades the reference beside the class, in the same sandbox and with the same
limits, before any grade is recorded: when it does not get full marks (another checkout's
environment without ``dlkurs``, a missing dataset, a limit set too tight), every student would be
graded wrong, so the command stops and names the cells that failed. Its running time also sets the
default wall-clock limit of a submission.
"""
from __future__ import annotations

import json
from pathlib import Path

import nbformat
from nbgrader.utils import determine_grade, is_grade

from .generate import solution_notebook

REFERENCE = "_referenz"
"""The reference's student id in scratch courses: not a valid student id, so it cannot collide with one."""
TIMES_FILE = "reference_seconds.json"
"""Seconds the reference took to grade, per assignment (in the command's working folder of the course)."""
DEFAULT_SUBMISSION_TIMEOUT = 900
"""Wall-clock seconds per submission before the reference of an assignment has ever been timed."""


def reference_submission(course: Path, assignment: str, notebook: str) -> nbformat.NotebookNode:
    """The released notebook with every solution cell filled in from the source, as a student would hand it in."""
    released = nbformat.read(course / "release" / assignment / f"{notebook}.ipynb", as_version=4)
    source = nbformat.read(course / "source" / assignment / f"{notebook}.ipynb", as_version=4)
    solutions = {cell.metadata["nbgrader"]["grade_id"]: cell.source for cell in solution_notebook(source).cells
                 if cell.metadata.get("nbgrader", {}).get("solution")}
    for cell in released.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in solutions:
            cell.source = solutions[grade_id]
    return released


def failed_cells(executed: Path) -> dict[str, str]:
    """``grade_id`` → what went wrong, for every autograded test cell of an executed notebook that lost points."""
    failures = {}
    for cell in nbformat.read(executed, as_version=4).cells:
        if not is_grade(cell) or cell.cell_type != "code":
            continue
        score, maximum = determine_grade(cell)
        if score is not None and score < maximum:
            messages = [f"{output.ename}: {output.evalue}" if output.output_type == "error" else output.text
                        for output in cell.outputs if output.output_type == "error"
                        or (output.output_type == "stream" and output.name == "stderr")]
            failures[cell.metadata["nbgrader"]["grade_id"]] = " ".join(messages).strip()[:300]
    return failures


def submission_timeout(folder: Path, assignment: str) -> int:
    """Five times the reference's last grading time plus two minutes, or the default before it was ever timed."""
    try:
        seconds = float(json.loads((folder / TIMES_FILE).read_text())[assignment])
    except (OSError, ValueError, KeyError, TypeError):
        return DEFAULT_SUBMISSION_TIMEOUT
    return int(5 * seconds) + 120


def remember_time(folder: Path, assignment: str, seconds: float) -> None:
    """Store how long grading the reference of ``assignment`` took, for the next run's limit."""
    path = folder / TIMES_FILE
    try:
        times = json.loads(path.read_text())
    except (OSError, ValueError):
        times = {}
    times[assignment] = round(seconds, 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(times, indent=1, sort_keys=True))
