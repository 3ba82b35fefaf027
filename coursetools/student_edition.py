"""Build the student edition: a git repository with what students need and nothing they must not see.

    python -m coursetools.student_edition OUT                       # every assignment
    python -m coursetools.student_edition OUT --assignment 05_lernkurven
    python -m coursetools.student_edition OUT --with-solutions      # after the deadline: + loesungen/
    make student-edition OUT=../kurs-studierende                    # the same through make

``OUT`` (new or empty) becomes a git repository on branch ``main`` with one commit, usable as a
GitHub Classroom template: the released notebooks (``release/<assignment>/<notebook>.ipynb``, byte for
byte, flat in ``notebooks/``), the ``dlkurs`` package, ``requirements.txt`` without the instructor's
test tools, a ``pyproject.toml`` that installs ``dlkurs`` only, a ``Makefile`` whose ``make lab`` sets
everything up and starts JupyterLab (with nbgrader's Validate button, without the Formgrader),
``jupyter/overrides.json``, ``.gitignore`` and a German ``README.md``. It holds no ``source/``,
``solutions/``, ``coursetools/``, ``verdicts/`` (the grading code with the hidden expectations) or
``tests/``, no hidden test, no line of a verdict and no solution code (``tests/test_student_edition.py``
greps every file for them; :func:`build` refuses to commit an edition with one of those folders).

``--with-solutions`` adds ``loesungen/<notebook>.ipynb``: the solutions with the visible tests (as in
``solutions/``; what the grading checks beyond them lives in ``verdicts/``), for publishing after the deadline.
``release/`` must be current (``make generate``; the drift test fails otherwise).
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import nbformat

from .generate import COURSE_ROOT, assignments, solution_notebook, source_notebooks

PACKAGE = "dlkurs"
INSTRUCTOR_ONLY_REQUIREMENTS = ("pytest", "nbval", "playwright")
"""Pinned in the course's requirements for its test suite; students do not need them."""
SOLUTIONS_FOLDER = "loesungen"
INSTRUCTOR_ONLY = ("source", "solutions", "coursetools", "verdicts", "tests", "autograded", "submitted", "feedback",
                   "exchange", "gradebook.db", "nbgrader_config.py")
"""Course paths that never go into an edition: solutions, hidden tests, verdicts, grading tools, students' work."""
FALLBACK_AUTHOR = ("Kursteam", "kursteam@example.invalid")

_GITIGNORE = """\
# Umgebung, Daten und Zwischenstände (nicht einchecken)
/.venv/
/data/
__pycache__/
*.egg-info/
.ipynb_checkpoints/
"""

_PYPROJECT = """\
[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = "dlkurs"
version = "{version}"
description = "Hilfspaket des Kurses Overfitting und Regularisierung: Daten, Gerät, Trainingsschleife, Plots."
requires-python = ">=3.10"

[tool.setuptools]
packages = ["dlkurs"]

[tool.setuptools.package-data]
dlkurs = ["*.json"]
"""

_MAKEFILE = """\
# Kurs „Overfitting und Regularisierung“ – Ausgabe für Studierende.
#   make lab    beim ersten Mal .venv anlegen und alles installieren, dann JupyterLab starten
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# Hier sucht dlkurs die Datensätze (und lädt sie beim ersten Mal herunter).
export DLKURS_DATA ?= $(CURDIR)/data
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: lab install

lab: install
\t$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

install: $(INSTALLED)

# nbgrader bringt Validate (Notebook prüfen) mit; Formgrader, Kurs- und Aufgabenliste braucht nur die Lehrperson.
$(INSTALLED): requirements.txt pyproject.toml jupyter/overrides.json
\t$(PYTHON) -m venv $(VENV)
\t$(BIN)/python -m pip install -r requirements.txt
\t$(BIN)/python -m pip install --no-deps -e .
\t$(BIN)/jupyter server extension enable --sys-prefix nbgrader.server_extensions.validate_assignment
\tfor extension in formgrader assignment_list course_list; do \\
\t    $(BIN)/jupyter server extension disable --sys-prefix nbgrader.server_extensions.$$extension || exit 1; \\
\tdone
\t$(BIN)/jupyter labextension enable --level=sys_prefix @jupyter/nbgrader
\tfor plugin in formgrader create-assignment course-list assignment-list menu; do \\
\t    $(BIN)/jupyter labextension disable --level=sys_prefix @jupyter/nbgrader:$$plugin || exit 1; \\
\tdone
\tmkdir -p $(VENV)/share/jupyter/lab/settings
\tcp jupyter/overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
\ttouch $@
"""

_README = """\
# Overfitting und Regularisierung – Aufgaben

Jupyter-Notebooks mit PyTorch: Overfitting erkennen, mit Regularisierung bekämpfen, Lernkurven lesen und Modelle
fair auswählen. Mit echten Daten (MNIST, CIFAR-10); jedes Notebook läuft auf der CPU eines Laptops in etwa einer
Minute, mit einer CUDA-GPU wird diese automatisch genutzt.

| Notebook | Thema |
|---|---|
{table}

## Einrichten

Sie brauchen Python 3 (3.10 oder neuer) und `make`. In diesem Ordner startet

```sh
make lab
```

JupyterLab. Beim ersten Mal legt es die Umgebung `.venv/` an und installiert alles aus `requirements.txt` (PyTorch
eingeschlossen, einige GB; das dauert einige Minuten). MNIST und CIFAR-10 werden beim ersten Laden automatisch in den
Ordner `data/` heruntergeladen. Liegen die Daten schon woanders: `DLKURS_DATA=/pfad/zu/den/daten make lab`.

## Bearbeiten

Öffnen Sie das Notebook im Ordner `notebooks/`. Ersetzen Sie in jeder Zelle mit `raise NotImplementedError()` diese
Zeile durch Ihren Code, und schreiben Sie Ihre Antworten in die Zellen mit „IHRE ANTWORT HIER“. Die Zellen mit
`assert` prüfen Ihre Lösung und sagen auf Deutsch, was noch nicht stimmt. Bei der Bewertung kommen versteckte Tests
dazu: Ihre Lösung soll allgemein richtig sein, nicht nur für die sichtbaren Beispiele. Testzellen zu ändern hilft
nicht – bei der Bewertung werden sie wiederhergestellt.

Das Paket `dlkurs` (Daten laden, Training, Plots) importieren die Notebooks; Sie dürfen hineinschauen.

## Validieren

*Kernel → Restart Kernel and Run All Cells*, danach in der Notebook-Leiste **Validate** klicken: Die Meldung zeigt,
welche Tests noch fehlschlagen – zuerst den Code der Testzelle, darunter die Fehlermeldung, die sagt, was nicht
stimmt (im Fenster nach unten scrollen). Erst wenn dort „Success“ steht, sind alle sichtbaren Tests bestanden.
Validate speichert das Notebook vorher.

## Abgeben

So, wie es Ihre Lehrperson verlangt – bei GitHub Classroom: die Notebooks committen und pushen
(`git add notebooks && git commit -m "Abgabe" && git push`). Lassen Sie Namen und Ort der Notebooks, wie sie sind.
{solutions}"""

_README_NO_SOLUTIONS = "Die Musterlösungen gibt Ihre Lehrperson nach der Abgabefrist heraus.\n"

_README_SOLUTIONS = """
## Musterlösungen

Im Ordner `loesungen/` liegen die Musterlösungen mit den sichtbaren Tests. Vergleichen Sie sie mit Ihrer eigenen
Lösung – oft führen mehrere Wege zum Ziel.
"""


def released_notebooks(course_root: Path = COURSE_ROOT, chosen: Sequence[str] | None = None) -> list[Path]:
    """``release/<assignment>/<notebook>.ipynb`` of the chosen assignments (all by default), in order."""
    known = assignments(course_root)
    unknown = sorted(set(chosen or ()) - set(known))
    if unknown:
        raise SystemExit(f"Unknown assignments {unknown}; known: {', '.join(known)}")
    paths = []
    for source in source_notebooks(course_root):
        if chosen and source.parent.name not in chosen:
            continue
        released = course_root / "release" / source.parent.name / source.name
        if not released.is_file():
            raise SystemExit(f"{released.relative_to(course_root)} is missing: run make generate first")
        paths.append(released)
    return paths


def package_files(course_root: Path = COURSE_ROOT) -> list[Path]:
    """The files of the ``dlkurs`` package (modules and data such as JSON), relative to the course; no caches."""
    return sorted(path.relative_to(course_root) for path in (course_root / PACKAGE).rglob("*")
                  if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc")


def student_requirements(text: str) -> str:
    """The course's pinned requirements without the instructor's test tools."""
    lines = ["# Alles, was der Kurs braucht, mit festen Versionen. `make lab` installiert es in .venv/."]
    for line in text.splitlines():
        name = re.split(r"[=<>!~\[; ]", line.strip(), maxsplit=1)[0].lower()
        if line.strip() and not line.lstrip().startswith("#") and name not in INSTRUCTOR_ONLY_REQUIREMENTS:
            lines.append(line.strip())
    return "\n".join(lines) + "\n"


def _version(course_root: Path) -> str:
    match = re.search(r'^version\s*=\s*"([^"]+)"', (course_root / "pyproject.toml").read_text(), re.MULTILINE)
    return match.group(1) if match else "0.0.0"


def _title(notebook: Path) -> str:
    for cell in nbformat.read(notebook, as_version=4).cells:
        if cell.cell_type == "markdown" and cell.source.startswith("# "):
            return cell.source.splitlines()[0][2:].strip()
    return notebook.stem


def _git(out: Path, *args: str) -> str:
    result = subprocess.run(["git", "-C", str(out), *args], capture_output=True, text=True,
                            env={**os.environ, "GIT_TERMINAL_PROMPT": "0"})
    if result.returncode != 0:
        raise SystemExit(f"git {' '.join(args)} failed in {out}:\n{result.stderr}")
    return result.stdout


def build(out: Path, course_root: Path = COURSE_ROOT, chosen: Sequence[str] | None = None,
          with_solutions: bool = False) -> Path:
    """Write the student edition to ``out`` (new or empty) and commit it; return ``out``."""
    out = out.resolve()
    if out.exists() and any(out.iterdir()):
        raise SystemExit(f"{out} is not empty: choose a new folder for the student edition")
    if out == course_root or course_root in out.parents:
        raise SystemExit(f"{out} lies inside the course repository: choose a folder outside it (e.g. ../kurs-studierende)")
    notebooks = released_notebooks(course_root, chosen)
    out.mkdir(parents=True, exist_ok=True)

    (out / "notebooks").mkdir()
    for notebook in notebooks:
        shutil.copyfile(notebook, out / "notebooks" / notebook.name)
    for path in package_files(course_root):
        (out / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(course_root / path, out / path)
    (out / "jupyter").mkdir()
    shutil.copyfile(course_root / "jupyter" / "overrides.json", out / "jupyter" / "overrides.json")
    (out / "requirements.txt").write_text(student_requirements((course_root / "requirements.txt").read_text()))
    (out / "pyproject.toml").write_text(_PYPROJECT.format(version=_version(course_root)))
    (out / "Makefile").write_text(_MAKEFILE)
    (out / ".gitignore").write_text(_GITIGNORE)
    if with_solutions:
        (out / SOLUTIONS_FOLDER).mkdir()
        for notebook in notebooks:
            source = course_root / "source" / notebook.parent.name / notebook.name
            nbformat.write(solution_notebook(nbformat.read(source, as_version=4)),
                           out / SOLUTIONS_FOLDER / notebook.name)
    table = "\n".join(f"| `notebooks/{notebook.name}` | {_title(notebook)} |" for notebook in notebooks)
    (out / "README.md").write_text(_README.format(table=table, solutions=_README_SOLUTIONS if with_solutions else _README_NO_SOLUTIONS))
    refuse_instructor_paths(out)

    _git(out, "init", "--quiet", "--initial-branch=main")
    _git(out, "add", "--all")
    identity = []
    if not subprocess.run(["git", "-C", str(out), "config", "user.email"], capture_output=True).stdout.strip():
        identity = ["-c", f"user.name={FALLBACK_AUTHOR[0]}", "-c", f"user.email={FALLBACK_AUTHOR[1]}"]
    message = "Kursmaterial für Studierende" + (" mit Musterlösungen" if with_solutions else "")
    _git(out, *identity, "-c", "commit.gpgsign=false", "commit", "--quiet", "--no-verify", "-m", message)
    return out


def refuse_instructor_paths(out: Path) -> None:
    """Stop before committing if the edition holds a folder or file of the instructor (e.g. ``verdicts/``)."""
    found = sorted(str(path.relative_to(out)) for path in out.rglob("*")
                   if ".git" not in path.relative_to(out).parts
                   and any(part in INSTRUCTOR_ONLY for part in path.relative_to(out).parts))
    if found:
        raise SystemExit(f"The student edition would contain instructor material: {', '.join(found[:10])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path, help="the new folder (new or empty) that becomes the student repository")
    parser.add_argument("--assignment", action="append", dest="assignments", metavar="NAME",
                        help="only this assignment (repeatable; default: all), e.g. one template per assignment")
    parser.add_argument("--with-solutions", action="store_true",
                        help=f"add {SOLUTIONS_FOLDER}/: the solutions with visible tests only (after the deadline)")
    arguments = parser.parse_args()
    out = build(arguments.out, chosen=arguments.assignments, with_solutions=arguments.with_solutions)
    print(f"Student edition in {out} (git repository, one commit on main)")


if __name__ == "__main__":
    main()
