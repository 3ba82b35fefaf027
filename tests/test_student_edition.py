"""The student edition: a git repository with the released notebooks and the helper package, and
not one line of a solution or a hidden test (``python -m coursetools.student_edition``)."""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import nbformat
import pytest

from coursetools.generate import COURSE_ROOT, source_notebooks
from coursetools.student_edition import (
    INSTRUCTOR_ONLY, INSTRUCTOR_ONLY_REQUIREMENTS, PACKAGE, SOLUTIONS_FOLDER, build, package_files,
    refuse_instructor_paths, released_notebooks,
)

SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")
HIDDEN_MARKERS = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
# A bare name, perhaps called without arguments, returned or raised, or a block opener: `model.eval()`,
# `return figure`, `axes.legend()`, `finally:`. Such lines say nothing about a solution.
_BARE = re.compile(r"^(?:return\s+|raise\s+|yield\s+)?[A-Za-z_][\w.]*(?:\(\))?:?$")


def trivial(line: str) -> bool:
    """Lines that can appear anywhere without giving anything away: blank, `pass`, `return`, lone brackets,
    short ones (fewer than 6 letters, digits or underscores) and bare names or argument-less calls."""
    return len(re.sub(r"\W", "", line)) < 6 or bool(_BARE.match(line))


def verdict_files() -> list[Path]:
    """Every file under the course's ``verdicts/`` (the grading code, with the hidden expectations)."""
    return sorted(path for path in (COURSE_ROOT / "verdicts").rglob("*")
                  if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc")


def secret_lines() -> dict[str, set[str]]:
    """``{"solution": ..., "hidden": ..., "verdict": ...}``: the stripped, non-trivial lines of every source
    notebook that stand between the solution or hidden-test markers (a solution cell without markers counts
    whole) and appear nowhere outside them, not even within a longer line: what stands outside them is released
    anyway; and the non-trivial lines of every file under ``verdicts/`` that appear nowhere in the released
    notebooks or in the ``dlkurs`` package (which students get anyway)."""
    regions: dict[str, set[str]] = {"solution": set(), "hidden": set(), "verdict": set()}
    for path in verdict_files():
        regions["verdict"].update(line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    visible: set[str] = set()
    for path in source_notebooks():
        for cell in nbformat.read(path, as_version=4).cells:
            lines = [line.strip() for line in cell.source.splitlines()]
            if cell.metadata.get("nbgrader", {}).get("solution") and not set(lines) & set(SOLUTION_MARKERS):
                regions["solution"].update(lines)
                continue
            region = None
            for line in lines:
                if line in SOLUTION_MARKERS + HIDDEN_MARKERS:
                    region = None if line.startswith("### END") else "solution" if line in SOLUTION_MARKERS else "hidden"
                else:
                    (regions[region] if region else visible).add(line)
    released = "\n".join(visible)
    public = "\n".join([released, *(text_of(COURSE_ROOT / path) for path in package_files())])
    return {name: {line for line in lines if not trivial(line) and line not in (public if name == "verdict" else released)}
            for name, lines in regions.items()}


def strings_in(value) -> list[str]:
    """Every string in a JSON document (a notebook's sources, outputs and metadata)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in strings_in(item)]
    if isinstance(value, list):
        return [text for item in value for text in strings_in(item)]
    return []


def text_of(path: Path) -> str:
    """What a reader of the file sees: a notebook's strings unescaped and joined, otherwise the file's text."""
    if path.suffix == ".ipynb":
        return "".join(strings_in(json.loads(path.read_text(encoding="utf-8"))))
    return path.read_bytes().decode("utf-8", errors="replace")


def files_of(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file() and ".git" not in path.relative_to(root).parts)


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def edition(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("edition") / "kurs")


def test_secret_lines_are_found_and_the_rule_keeps_the_telling_ones():
    secrets = secret_lines()
    # The hidden tests moved from the notebooks into verdicts/ (issue 19): together they must be many.
    assert len(secrets["solution"]) > 50 and len(secrets["hidden"] | secrets["verdict"]) > 50
    assert len(verdict_files()) >= len(source_notebooks())
    assert trivial("pass") and trivial("return") and trivial("])") and trivial("model.eval()") and trivial("finally:")
    assert not trivial('chosen = "3072-32-2"') and not trivial("return x * keep / (1 - self.p)")


def test_no_file_holds_a_solution_or_hidden_test_line(edition):
    secrets = secret_lines()
    leaks = [f"{path.relative_to(edition)}: {kind} line {line!r}"
             for path in files_of(edition) for kind, lines in secrets.items()
             for line in sorted(lines) if line in text_of(path)]
    assert not leaks, "\n".join(leaks)


def test_notebooks_are_exactly_the_released_ones(edition):
    released = {path.name: path.read_bytes() for path in released_notebooks()}
    shipped = {path.name: path.read_bytes() for path in (edition / "notebooks").iterdir()}
    assert sorted(shipped) == sorted(released) == sorted(path.name for path in source_notebooks())
    assert [name for name in shipped if shipped[name] != released[name]] == []


def test_only_student_material_is_shipped(edition):
    assert sorted(path.name for path in edition.iterdir() if path.name != ".git") == sorted([
        ".gitignore", "Makefile", "README.md", "dlkurs", "jupyter", "notebooks", "pyproject.toml", "requirements.txt"])
    assert sorted(path.relative_to(edition) for path in files_of(edition / PACKAGE)) == package_files()
    assert all((edition / path).read_bytes() == (COURSE_ROOT / path).read_bytes() for path in package_files())
    for path in files_of(edition):
        assert "BEGIN SOLUTION" not in text_of(path) and "HIDDEN TESTS" not in text_of(path), path
        assert not re.search(r"^\s*(from|import)\s+coursetools", text_of(path), re.MULTILINE), (
            f"{path} imports the instructor's tools, which the edition does not ship")


def test_edition_is_a_repository_with_one_commit_of_every_file(edition):
    assert git(edition, "rev-list", "--count", "HEAD").strip() == "1"
    assert git(edition, "branch", "--show-current").strip() == "main"
    assert git(edition, "status", "--porcelain") == ""
    assert sorted(git(edition, "ls-files").splitlines()) == [str(path.relative_to(edition)) for path in files_of(edition)]


def test_requirements_keep_every_pin_but_the_test_tools(edition):
    pins = lambda text: {line for line in text.splitlines() if line.strip() and not line.startswith("#")}  # noqa: E731
    course, student = pins((COURSE_ROOT / "requirements.txt").read_text()), pins((edition / "requirements.txt").read_text())
    assert student <= course and "nbgrader" in " ".join(student) and "torch" in " ".join(student)
    assert {line.split("=")[0] for line in course - student} == set(INSTRUCTOR_ONLY_REQUIREMENTS)


def test_make_lab_installs_the_package_and_starts_jupyterlab(edition):
    plan = subprocess.run(["make", "-n", "lab"], cwd=edition, check=True, capture_output=True, text=True).stdout
    assert "pip install -r requirements.txt" in plan and "pip install --no-deps -e ." in plan
    assert "validate_assignment" in plan and "jupyter lab" in plan
    pyproject = (edition / "pyproject.toml").read_text()
    assert 'packages = ["dlkurs"]' in pyproject


def test_readme_is_german_and_promises_no_solutions_folder(edition):
    readme = (edition / "README.md").read_text()
    assert "make lab" in readme and "Validate" in readme and "notebooks/05_lernkurven.ipynb" in readme
    assert "solutions/" not in readme and SOLUTIONS_FOLDER not in readme


def test_published_solutions_carry_visible_tests_only(tmp_path):
    out = build(tmp_path / "kurs", chosen=["05_lernkurven"], with_solutions=True)
    assert sorted(path.name for path in (out / "notebooks").iterdir()) == ["05_lernkurven.ipynb"]
    solution = text_of(out / SOLUTIONS_FOLDER / "05_lernkurven.ipynb")
    secrets = secret_lines()
    assert [line for line in secrets["hidden"] | secrets["verdict"] if line in solution] == []
    assert "return max(results, key=lambda name: results[name][\"val_accuracy\"])" in solution
    assert "_check_learning_curves(history)" in solution  # the visible tests stay
    assert [line for path in files_of(out) if SOLUTIONS_FOLDER not in path.parts
            for line in secrets["solution"] if line in text_of(path)] == []
    assert f"{SOLUTIONS_FOLDER}/" in (out / "README.md").read_text()


def test_refuses_a_folder_that_is_not_empty_or_lies_in_the_course(tmp_path):
    (tmp_path / "kurs").mkdir()
    (tmp_path / "kurs" / "alt.txt").write_text("x")
    with pytest.raises(SystemExit, match="not empty"):
        build(tmp_path / "kurs")
    with pytest.raises(SystemExit, match="inside the course"):
        build(COURSE_ROOT / "edition")
    with pytest.raises(SystemExit, match="Unknown assignments"):
        build(tmp_path / "neu", chosen=["99_gibt_es_nicht"])


def test_course_readme_sends_students_to_the_edition_not_to_solutions():
    student_section = (COURSE_ROOT / "README.md").read_text().split("## Für Studierende", 1)[1]
    assert "solutions/" not in student_section


def test_the_search_finds_a_planted_line_in_a_notebook_and_in_plain_text(tmp_path):
    secrets = secret_lines()
    hidden = next(line for line in sorted(secrets["hidden"] | secrets["verdict"]) if '"' in line)  # escaped in JSON
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(f"x = 1\n    {hidden}\n")])
    nbformat.write(notebook, tmp_path / "kopie.ipynb")
    (tmp_path / "notiz.py").write_text(f"# abgeschrieben: {hidden}\n")
    assert hidden not in (tmp_path / "kopie.ipynb").read_text()  # a plain grep of the JSON would miss it
    assert all(hidden in text_of(path) for path in (tmp_path / "kopie.ipynb", tmp_path / "notiz.py"))


def test_the_edition_never_holds_the_verdicts_folder(edition):
    assert (COURSE_ROOT / "verdicts").is_dir()
    assert not [path for path in edition.rglob("*") if "verdicts" in path.relative_to(edition).parts]
    names = {path.name for path in verdict_files()}
    assert not [path for path in files_of(edition) if path.name in names]


def test_an_edition_with_an_instructor_folder_is_refused(tmp_path):
    assert "verdicts" in INSTRUCTOR_ONLY
    planted = tmp_path / "kurs" / "verdicts" / "01_gezielt_overfitten" / "01_gezielt_overfitten.py"
    planted.parent.mkdir(parents=True)
    planted.write_text("x = 1\n")
    with pytest.raises(SystemExit, match="instructor material: verdicts"):
        refuse_instructor_paths(tmp_path / "kurs")


def test_the_search_finds_a_planted_verdict_line(tmp_path):
    line = next(line for line in sorted(secret_lines()["verdict"]) if line.startswith("assert "))
    (tmp_path / "notiz.py").write_text(f"# abgeschrieben: {line}\n")
    assert line in text_of(tmp_path / "notiz.py")
