"""Put a submission's nbgrader cells back as they were released, before the submission is graded.

Students can edit a cell's metadata, empty or edit a test cell, delete it, or move it. Here every
solution cell keeps the student's source but gets its released metadata; every other nbgrader
cell (tests, given code) is replaced by its released version (nbgrader then puts the gradebook's
source in, hidden tests included); a cell whose ``grade_id`` the release does not know loses its
nbgrader metadata. A released locked cell that is missing is inserted where it was released:
after the nearest released cell before it that the submission still has, in release order.

nbgrader's own ``OverwriteCells.add_missing_cells`` (0.9.6) inserts a missing test cell after the
previous cell in the gradebook's order, with positions shifted by the number of cells it added
anywhere so far, so a restored test could run before the cell it checks, or before a test cell
that defines a name it needs. After this step it finds nothing missing.
"""
from __future__ import annotations

import copy
from pathlib import Path

import nbformat
from nbformat.corpus.words import generate_corpus_id

RESTORED_NOTE = "# Diese Zelle fehlte in der Abgabe; sie wurde für die Bewertung wieder eingefügt.\n"


def grade_id(cell: nbformat.NotebookNode) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def restore_cells(submission: nbformat.NotebookNode, released: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return ``submission`` with every nbgrader cell as released (solutions keep their source), missing ones back in place."""
    reference = {grade_id(cell): cell for cell in released.cells if grade_id(cell) is not None}
    cells = []
    for cell in submission.cells:
        cell = copy.deepcopy(cell)
        known = reference.get(grade_id(cell))
        if known is None:
            cell.get("metadata", {}).pop("nbgrader", None)
        elif known.metadata["nbgrader"].get("solution") and cell.cell_type == known.cell_type:
            cell.metadata["nbgrader"] = copy.deepcopy(known.metadata["nbgrader"])
        else:
            cell = copy.deepcopy(known)
        cells.append(cell)

    present = {grade_id(cell) for cell in cells} - {None}
    # The position after which the next missing cell goes: before the first nbgrader cell the submission has.
    anchor = next((index for index, cell in enumerate(cells) if grade_id(cell) is not None), len(cells)) - 1
    for released_cell in released.cells:
        name = grade_id(released_cell)
        if name is None:
            continue
        if name in present:
            anchor = next(index for index, cell in enumerate(cells) if grade_id(cell) == name)
        elif not released_cell.metadata["nbgrader"].get("solution"):
            restored = copy.deepcopy(released_cell)
            if restored.get("id") in {cell.get("id") for cell in cells}:  # a renamed cell kept the released id
                restored["id"] = generate_corpus_id()
            if restored.cell_type == "code":
                restored.source = RESTORED_NOTE + restored.source
            anchor += 1
            cells.insert(anchor, restored)
    submission = copy.deepcopy(submission)
    submission.cells = cells
    return submission


def restore_file(path: Path, released: Path) -> None:
    """Restore the submitted notebook at ``path`` in place against the released notebook ``released``.

    An unreadable submission is left alone: nbgrader reports it itself.
    """
    if not released.exists():
        return
    try:
        submission = nbformat.read(path, as_version=4)
    except Exception:  # noqa: BLE001 - nbgrader reports an unreadable notebook itself
        return
    nbformat.write(restore_cells(submission, nbformat.read(released, as_version=4)), path)
