"""Submissions of the grading round trip that other students would write, one module per assignment.

Each is the solution with edits (:class:`~coursetools.grading.Mutation`: a few characters, or a
whole cell written another way) and perhaps cells of the student's own. A module ``aNN`` (for
assignment ``NN_...``) has two lists: ``WRONG``, answers that must lose exactly the points of the
cells in ``loses``, and ``CORRECT_BUT_DIFFERENT``, right answers unlike the reference that must get
full marks (their ``loses`` is empty). To cover a new assignment, add its module.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass

from coursetools.grading import ExtraCell, Mutation


@dataclass(frozen=True)
class Submission:
    name: str
    notebook: str
    mutations: tuple[Mutation, ...]
    loses: frozenset[str] = frozenset()
    extra_cells: tuple[ExtraCell, ...] = ()


def _module(assignment: str):
    return importlib.import_module(f"submissions.a{assignment[:2]}")


def wrong_submissions(assignment: str) -> list[Submission]:
    """Answers of ``assignment`` that must lose points."""
    return list(_module(assignment).WRONG)


def correct_submissions(assignment: str) -> list[Submission]:
    """Right answers of ``assignment`` written unlike the reference: full marks."""
    return list(_module(assignment).CORRECT_BUT_DIFFERENT)
