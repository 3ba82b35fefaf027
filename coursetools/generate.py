"""Build ``release/``, ``notebooks/`` and ``solutions/`` from the nbgrader sources in ``source/``.

    python -m coursetools.generate            # rewrite the three folders of this course
    python -m coursetools.generate --out DIR  # write them under DIR instead (the drift test does)

``release/<assignment>/`` is what ``nbgrader generate_assignment`` makes (run in a throw-away
copy of the course, so the instructor's gradebook is never touched); ``notebooks/`` holds the same
student notebooks flat; ``solutions/`` holds the sources with the solution markers removed, so
that they run top to bottom with their visible tests (the graded tests are verdicts, ``verdicts/``).
"""
from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import nbformat

from .nbgrader_runner import nbgrader

COURSE_ROOT = Path(__file__).resolve().parent.parent
GENERATED = ("release", "notebooks", "solutions")
MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")
"""nbgrader's solution markers; graded tests have no hidden part in the notebooks (it lives in ``verdicts/``)."""

_NOTICE = """# {folder}/ (generated: do not edit)

Generated from `source/` by `make generate` (`python -m coursetools.generate`); a test fails when
this folder differs from what that command produces. Edit the notebooks in `source/` instead.

{purpose}
"""
_PURPOSE = {
    "release": "nbgrader's student version of each assignment, as `nbgrader generate_assignment` makes it: "
               "solutions replaced by stubs. Instructors release it with "
               "`nbgrader release_assignment`.",
    "notebooks": "The same student notebooks, one flat folder, for students who open them without nbgrader.",
    "solutions": "The complete notebooks, solutions and visible tests, for instructors and for CI, which "
                 "executes them with nbval. Not for students before the deadline. The graded tests, hidden "
                 "ones included, are the verdicts in `verdicts/`.",
}


def assignments(course_root: Path = COURSE_ROOT) -> list[str]:
    """The assignment names: the folders under ``source/``, in order."""
    return sorted(path.name for path in (course_root / "source").iterdir() if path.is_dir())


def source_notebooks(course_root: Path = COURSE_ROOT) -> list[Path]:
    """Every source notebook, ``source/<assignment>/<notebook>.ipynb``."""
    return sorted((course_root / "source").glob("*/*.ipynb"))


def solution_notebook(source: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return a copy of ``source`` without solution marker lines and without outputs."""
    notebook = nbformat.from_dict(source)
    for cell in notebook.cells:
        lines = cell.source.splitlines()
        cell.source = "\n".join(line for line in lines if line.strip() not in MARKERS)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return notebook


def generate(course_root: Path = COURSE_ROOT, out: Path | None = None) -> None:
    """Write ``release/``, ``notebooks/`` and ``solutions/`` of ``course_root`` under ``out``."""
    out = out or course_root
    notebooks = source_notebooks(course_root)
    names = [path.name for path in notebooks]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise SystemExit(f"Notebook names must be unique across assignments (notebooks/ is flat): {duplicates}")
    for folder in GENERATED:
        shutil.rmtree(out / folder, ignore_errors=True)
        (out / folder).mkdir(parents=True)
        (out / folder / "README.md").write_text(_NOTICE.format(folder=folder, purpose=_PURPOSE[folder]))

    with tempfile.TemporaryDirectory() as scratch:
        shutil.copytree(make_course(Path(scratch), course_root) / "release", out / "release", dirs_exist_ok=True)

    for path in notebooks:
        shutil.copy(out / "release" / path.parent.name / path.name, out / "notebooks" / path.name)
        nbformat.write(solution_notebook(nbformat.read(path, as_version=4)), out / "solutions" / path.name)


def make_course(directory: Path, course_root: Path = COURSE_ROOT) -> Path:
    """Copy the course's sources, verdicts and config to ``directory`` and generate every assignment there.

    The copy gets its own ``release/`` and its own gradebook, which then knows every grade cell;
    the course itself is not touched.
    """
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copytree(course_root / "source", directory / "source")
    shutil.copytree(course_root / "verdicts", directory / "verdicts")
    shutil.copy(course_root / "nbgrader_config.py", directory)
    for assignment in assignments(directory):
        nbgrader(directory, "generate_assignment", assignment, "--force")
    return directory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, help="write the generated folders here instead of the course")
    generate(out=parser.parse_args().out)


if __name__ == "__main__":
    main()
