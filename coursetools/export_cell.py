"""The cell that takes a graded test cell's place when a submission runs: it only saves values.

It runs in the student's kernel, inside the sandbox. The grader writes, in place of each
autograded test cell, a call of :func:`export` with the names that test's verdict reads
(:mod:`coursetools.verdicts`); the values are saved with cloudpickle (functions and classes the
student defined travel by value). Only :mod:`coursetools.probe_server`, in a fresh sandboxed
process, ever loads them; the grade is decided from what it reports, outside any student process.
"""
from __future__ import annotations

import json
from pathlib import Path

STATUS_FILE = "status.json"
"""Per exported test: name → ``"ok"``, ``"missing"`` or why the value could not be saved."""
VALUES_FILE = "values.pkl"
"""All saved values of one test in one pickle, so that shared objects stay shared (a model and its optimizer)."""


def export_source(folder: Path, test_id: str, names: tuple[str, ...]) -> str:
    """The source of the cell that replaces test cell ``test_id``: save ``names`` into ``folder/test_id``."""
    return (f"__import__('coursetools.export_cell', fromlist=['export']).export("
            f"{str(folder / test_id)!r}, {list(names)!r}, globals())")


def export(folder: str, names: list[str], namespace: dict) -> None:
    """Save ``names`` from ``namespace`` to ``folder``: together where possible, else each on its own."""
    import cloudpickle

    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    status = {name: "missing" for name in names if name not in namespace}
    values = {name: namespace[name] for name in names if name in namespace}
    try:
        (target / VALUES_FILE).write_bytes(cloudpickle.dumps(values))
        status |= dict.fromkeys(values, "ok")
    except Exception:  # anything the student defined may refuse to be pickled: find out which
        saved = {}
        for name, value in values.items():
            try:
                cloudpickle.dumps(value)
                saved[name] = value
                status[name] = "ok"
            except Exception as error:
                status[name] = f"{type(error).__name__}: {error}"[:500]
        (target / VALUES_FILE).write_bytes(cloudpickle.dumps(saved))
    (target / STATUS_FILE).write_text(json.dumps(status))
