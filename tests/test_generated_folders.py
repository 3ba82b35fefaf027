"""release/, notebooks/ and solutions/ are exactly what the generator makes from source/."""
from __future__ import annotations

import ast
import json
from pathlib import Path

import nbformat
import pytest

from coursetools.generate import COURSE_ROOT, GENERATED, MARKERS, generate, source_notebooks


def files_under(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def test_committed_generated_folders_match_a_fresh_generation(tmp_path):
    generate(out=tmp_path)
    for folder in GENERATED:
        fresh, committed = files_under(tmp_path / folder), files_under(COURSE_ROOT / folder)
        assert sorted(committed) == sorted(fresh), f"{folder}/ has other files than generated: run make generate"
        stale = [name for name in fresh if fresh[name] != committed[name]]
        assert not stale, f"{folder}/ differs from source/ in {stale}: run make generate and commit"


def student_versions() -> list[Path]:
    return sorted((COURSE_ROOT / "release").glob("*/*.ipynb")) + sorted((COURSE_ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", student_versions(), ids=lambda path: str(path.relative_to(COURSE_ROOT)))
def test_student_versions_hold_no_solutions_or_hidden_tests(path):
    text = path.read_text()
    for marker in (*MARKERS, "### BEGIN HIDDEN TESTS"):
        assert marker not in text


@pytest.mark.parametrize("path", source_notebooks(), ids=lambda path: path.name)
def test_sources_have_no_outputs(path):
    notebook = json.loads(path.read_text())
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, cell.get("id")


@pytest.mark.parametrize("path", source_notebooks(), ids=lambda path: path.name)
def test_every_assert_in_a_test_cell_has_a_message(path):
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.metadata.get("nbgrader", {}).get("grade") and cell.cell_type == "code":
            tree = ast.parse("\n".join(line for line in cell.source.splitlines() if line.strip() not in MARKERS))
            bare = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Assert) and node.msg is None]
            assert not bare, f"{cell.metadata.nbgrader.grade_id}: assert without message on lines {bare}"


@pytest.mark.parametrize("path", source_notebooks(), ids=lambda path: path.name)
def test_grade_ids_are_unique(path):
    ids = [cell.metadata["nbgrader"]["grade_id"] for cell in nbformat.read(path, as_version=4).cells
           if "grade_id" in cell.metadata.get("nbgrader", {})]
    assert len(ids) == len(set(ids))
