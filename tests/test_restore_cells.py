"""Submitted notebooks get their released nbgrader cells back, deleted test cells where they stood."""
from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from coursetools.restore_cells import grade_id, restore_cells


def nbgrader_cell(name: str, source: str, *, solution: bool = False, grade: bool = False) -> nbformat.NotebookNode:
    cell = new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade_id": name, "solution": solution, "grade": grade, "locked": not solution,
                                 "schema_version": 3, **({"points": 1} if grade else {})}
    return cell


def released() -> nbformat.NotebookNode:
    return new_notebook(cells=[
        new_markdown_cell("# Aufgabe"),
        nbgrader_cell("given", "data = [1, 2, 3]"),
        nbgrader_cell("answer_a", "raise NotImplementedError()", solution=True),
        nbgrader_cell("test_a", "assert a == 6", grade=True),
        nbgrader_cell("test_a_defines", "expected = 2", grade=True),
        nbgrader_cell("answer_b", "raise NotImplementedError()", solution=True),
        nbgrader_cell("test_b", "assert b == expected", grade=True),
    ])


def names(notebook: nbformat.NotebookNode) -> list[str | None]:
    return [grade_id(cell) for cell in notebook.cells]


def test_deleted_test_cells_return_in_release_order_after_the_cell_they_followed():
    submission = released()
    submission.cells = [cell for cell in submission.cells if grade_id(cell) not in {"given", "test_a", "test_a_defines",
                                                                                    "test_b"}]
    submission.cells.insert(2, new_code_cell("print('meine Zwischenzelle')"))
    restored = restore_cells(submission, released())
    assert names(restored) == [None, "given", "answer_a", "test_a", "test_a_defines", None, "answer_b", "test_b"]
    assert "fehlte in der Abgabe" in restored.cells[3].source


def test_solution_cells_keep_the_students_code_and_test_cells_their_released_source():
    submission = released()
    submission.cells[2].source = "a = sum(data)"
    submission.cells[3].source = "pass"
    submission.cells[3].metadata["nbgrader"]["points"] = 100
    restored = restore_cells(submission, released())
    assert restored.cells[2].source == "a = sum(data)"
    assert restored.cells[3].source == "assert a == 6"
    assert restored.cells[3].metadata["nbgrader"]["points"] == 1


def test_unknown_grade_ids_lose_their_nbgrader_metadata():
    submission = released()
    submission.cells[6].metadata["nbgrader"]["grade_id"] = "renamed"
    restored = restore_cells(submission, released())
    assert names(restored) == [None, "given", "answer_a", "test_a", "test_a_defines", "answer_b", "test_b", None]
    assert "nbgrader" not in restored.cells[7].metadata


def test_an_untouched_submission_is_unchanged():
    release = released()
    assert restore_cells(release, release) == release
