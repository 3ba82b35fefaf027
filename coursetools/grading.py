"""Autograde submissions with nbgrader in a throw-away course, and read the scores back.

The grading round trip in ``tests/`` uses this: it sets up a course copy, hands in a blank, a
correct and several deliberately wrong submissions, grades them with the class grading command
(sandboxed, in parallel, into a real gradebook) and compares the points per test cell.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook

from .grade import Settings, grade_class
from .intake import intake_folder
from .reference import reference_submission

Scores = dict[str, float]
"""Points per grade cell (its ``grade_id``) of one submitted notebook."""


@dataclass(frozen=True)
class Mutation:
    """Replace ``old`` by ``new`` in the submitted solution cell with ``grade_id == cell``.

    ``old=None`` replaces the cell's whole source: a student who wrote the answer their own way.
    """

    cell: str
    old: str | None
    new: str


@dataclass(frozen=True)
class ExtraCell:
    """A code cell of the student's own (no nbgrader metadata), inserted after the cell ``after`` (a grade_id)."""

    after: str
    source: str


def student_notebook(
    course: Path, assignment: str, notebook: str, solved: bool, mutations: tuple[Mutation, ...] = (),
    extra_cells: tuple[ExtraCell, ...] = (),
) -> nbformat.NotebookNode:
    """The released notebook as a student hands it in.

    ``solved=False`` leaves it untouched (a blank submission); ``solved=True`` fills every solution
    cell with the source's solution, then applies ``mutations`` (a wrong answer, or a right one
    written differently) and inserts ``extra_cells``.
    """
    if not solved:
        return nbformat.read(course / "release" / assignment / f"{notebook}.ipynb", as_version=4)
    handed_in = reference_submission(course, assignment, notebook)
    solution_ids = {cell.metadata["nbgrader"]["grade_id"] for cell in handed_in.cells
                    if cell.metadata.get("nbgrader", {}).get("solution")}
    unknown = {mutation.cell for mutation in mutations} - solution_ids
    if unknown:
        raise ValueError(f"Mutations name cells that are no solution cells: {sorted(unknown)}")
    for mutation in mutations:
        cell = next(cell for cell in handed_in.cells if cell.metadata.get("nbgrader", {}).get("grade_id") == mutation.cell)
        if mutation.old is None:
            cell.source = mutation.new
        elif mutation.old in cell.source:
            cell.source = cell.source.replace(mutation.old, mutation.new)
        else:
            raise ValueError(f"{mutation.old!r} is not in solution cell {mutation.cell!r}")
    for extra in extra_cells:
        ids = [cell.metadata.get("nbgrader", {}).get("grade_id") for cell in handed_in.cells]
        if extra.after not in ids:
            raise ValueError(f"ExtraCell names an unknown cell: {extra.after!r}")
        handed_in.cells.insert(ids.index(extra.after) + 1, nbformat.v4.new_code_cell(extra.source))
    return handed_in


def autograde(
    course: Path, assignment: str, submissions: Mapping[str, Mapping[str, nbformat.NotebookNode]],
) -> dict[str, dict[str, Scores]]:
    """Hand in ``submissions[student][notebook]`` and grade them all with the class grading command.

    Returns the points of every grade cell, per student and notebook, from the gradebook.
    """
    class_dir = course / "class" / assignment
    for student, notebooks in submissions.items():
        (class_dir / student).mkdir(parents=True, exist_ok=True)
        for notebook, content in notebooks.items():
            nbformat.write(content, class_dir / student / f"{notebook}.ipynb")
    notebook_names = sorted({notebook for notebooks in submissions.values() for notebook in notebooks})
    grade_class(course, assignment, intake_folder(class_dir, notebook_names), Settings(), course / "grades" / assignment)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        return {
            student: {
                notebook: {
                    grade.name: grade.score
                    for grade in gradebook.find_submission_notebook(notebook, assignment, student).grades
                }
                for notebook in notebooks
            }
            for student, notebooks in submissions.items()
        }


def autograded_cells(course: Path, assignment: str, notebook: str) -> dict[str, float]:
    """The autograded test cells of a notebook with their maximum points."""
    source = nbformat.read(course / "source" / assignment / f"{notebook}.ipynb", as_version=4)
    return {
        cell.metadata["nbgrader"]["grade_id"]: float(cell.metadata["nbgrader"]["points"])
        for cell in source.cells
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade")
    }
