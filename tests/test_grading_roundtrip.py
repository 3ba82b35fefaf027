"""The grading round trip: release, hand in, grade with a real gradebook, compare points.

For every assignment a throw-away course copy grades a blank submission (0 on every autograded
cell), right answers written unlike the reference (full marks) and wrong ones (exactly the points
of the cells they should fail are lost); see ``tests/submissions/``. All submissions of an
assignment are graded by one run of the class grading command (sandboxed, in parallel), so each
notebook executes once per submission. The command grades the reference solution first and stops
unless it gets full marks, so a run that returns scores has graded the solution right.
"""
from __future__ import annotations

import pytest

from coursetools.generate import assignments, make_course, source_notebooks
from coursetools.grading import autograde, autograded_cells, student_notebook
from submissions import Submission, correct_submissions, wrong_submissions

ASSIGNMENTS = assignments()
WRONG = [(assignment, wrong) for assignment in ASSIGNMENTS for wrong in wrong_submissions(assignment)]
CORRECT = [(assignment, right) for assignment in ASSIGNMENTS for right in correct_submissions(assignment)]


def notebooks_of(assignment: str) -> list[str]:
    return [path.stem for path in source_notebooks() if path.parent.name == assignment]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The course copy, and a function that grades all submissions of one assignment (once) and returns their scores.

    Assignments are graded when a test first needs them, so ``-k 02_regularisieren`` grades only that one.
    """
    course = make_course(tmp_path_factory.mktemp("course"))
    scores: dict[str, dict] = {}

    def scores_of(assignment: str) -> dict:
        if assignment not in scores:
            submissions = {
                "blank": {nb: student_notebook(course, assignment, nb, solved=False) for nb in notebooks_of(assignment)},
            }
            for submission in wrong_submissions(assignment) + correct_submissions(assignment):
                submissions[submission.name] = {nb: handed_in(course, assignment, nb, submission)
                                                for nb in notebooks_of(assignment)}
            scores[assignment] = autograde(course, assignment, submissions)
        return scores[assignment]

    return course, scores_of


def handed_in(course, assignment: str, notebook: str, submission: Submission):
    """``notebook`` as the student of ``submission`` hands it in (their edits only in their notebook)."""
    if notebook != submission.notebook:
        return student_notebook(course, assignment, notebook, solved=True)
    return student_notebook(course, assignment, notebook, solved=True, mutations=submission.mutations,
                            extra_cells=submission.extra_cells)


def autograded_points(graded, assignment: str, student: str, notebook: str) -> tuple[dict, dict]:
    """The autograded test cells' maximum points and the points ``student`` got for them."""
    course, scores_of = graded
    maximum = autograded_cells(course, assignment, notebook)
    return maximum, {cell: scores_of(assignment)[student][notebook][cell] for cell in maximum}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_blank_submission_scores_zero(graded, assignment):
    for notebook in notebooks_of(assignment):
        maximum, got = autograded_points(graded, assignment, "blank", notebook)
        assert got == dict.fromkeys(maximum, 0.0)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_reference_solution_scores_full_marks(graded, assignment):
    """Grading stops with the failed cells (SystemExit) unless the reference, graded first, gets full marks."""
    _, scores_of = graded
    assert scores_of(assignment)


@pytest.mark.parametrize(("assignment", "wrong"), WRONG, ids=[f"{assignment}-{wrong.name}" for assignment, wrong in WRONG])
def test_wrong_submission_loses_exactly_its_points(graded, assignment, wrong):
    maximum, got = autograded_points(graded, assignment, wrong.name, wrong.notebook)
    assert wrong.loses <= set(maximum), f"unknown test cells in loses: {sorted(wrong.loses - set(maximum))}"
    assert got == {cell: 0.0 if cell in wrong.loses else points for cell, points in maximum.items()}


@pytest.mark.parametrize(("assignment", "right"), CORRECT, ids=[f"{assignment}-{right.name}" for assignment, right in CORRECT])
def test_correct_but_different_submission_scores_full_marks(graded, assignment, right):
    assert not right.loses, f"{right.name} is listed as correct but loses {sorted(right.loses)}"
    maximum, got = autograded_points(graded, assignment, right.name, right.notebook)
    assert got == maximum


def test_every_assignment_has_at_least_three_wrong_submissions():
    for assignment in ASSIGNMENTS:
        assert len(wrong_submissions(assignment)) >= 3, assignment
