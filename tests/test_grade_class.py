"""The class grading command (``python -m coursetools.grade``) on the fixture course in ``tests/fixtures``.

One class of hostile and broken submissions is graded once; every student must get exactly the
points their notebook earns, the run must end on its own, and nothing may leak between students.
"""
from __future__ import annotations

import copy
import csv
import html
import json
import shutil
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from coursetools.generate import solution_notebook
from coursetools.grade import GRADING_DIR, Settings, ensure_assignment, grade_class
from coursetools.intake import intake_folder, intake_zip
from coursetools.reference import TIMES_FILE, submission_timeout

FIXTURE_COURSE = Path(__file__).parent / "fixtures" / "grading_course"
ASSIGNMENT = "fixture"
SETTINGS = Settings(jobs=2, cell_timeout=15, submission_timeout=300, memory_bytes=2**30, cpu_seconds=60)
"""Each fixture cell takes well under a second; 15 s holds on a loaded 2-core machine (5 s did not for the
cell that prints 50 MB), and the endless loops still end quickly."""
MAX_SCORE = 4  # 3 autograded points and 1 manual
# A long student id, as GitHub Classroom repositories have: the kernel's socket paths must still fit.
FLOODS = "floods_stdout-" + "x" * 80

# What a submission gets: points of the three autograded tests (the manual answer is graded later).
EXPECTED_SCORES = {
    "good": 3,
    "blank": 0,
    "endless_loop": 2,            # sample_mean never returns: that cell times out, the rest still counts
    "ignores_interrupts": 2,      # the loop swallows KeyboardInterrupt; later cells time out, the run ends
    "calls_sys_exit": 1,          # SystemExit before add() is defined
    "calls_os_exit": 2,           # the kernel dies in the sample_mean cell; nothing after it scores
    "allocates_without_bound": 1,  # MemoryError at the memory limit before add() is defined
    FLOODS: 3,
    "deleted_test_cell": 1,       # add() is wrong and its visible test was deleted
    "emptied_test_cell": 1,
    "edited_test_cell": 1,
    "edited_cell_metadata": 1,
    "spies_and_vandalises": 3,    # reads the gradebook, hidden tests, others' work; writes; network
    "not_json": 0,
    "empty_file": 0,
    "other_assignment": 0,
    "timestamp_from_dev_zero": 3,  # the good notebook; its timestamp.txt is a link to /dev/zero
    # Issue 19, mechanism 1: what the student's code installs in the kernel no longer decides a test.
    # AST/input transformers, a patched run_code, hooks faking an execute_result; add() walks its callers'
    # frames in the probe process; sample_mean() patches isinstance/abs there and returns an always-equal
    "rewrites_cells_and_reads_callers": 0,
    "forges_exports_and_empties_cells": 0,  # forged (wrong) export files, later cells emptied
    "breaks_the_probe": 1,        # garbage into the answer channel (test_add), os._exit (test_sample_mean)
    "hangs_the_probe": 2,         # floods fd 1 (harmless), sample_mean sleeps forever inside the verdict's call
    # add() finds the probe's answer channel in its callers' frames and writes the answers of every later
    # request ahead: each answer must carry its request's token, so they are refused (blank: 0, not 3).
    "prewrites_probe_answers": 0,
}
NOTHING_HANDED_IN = ("misnamed", "links_the_solution")
"""Students without a notebook of the assignment: a misnamed file, a link to the instructor's solution."""


def cell_with_id(notebook: nbformat.NotebookNode, grade_id: str) -> nbformat.NotebookNode:
    return next(cell for cell in notebook.cells if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def changed(notebook: nbformat.NotebookNode, **sources: str) -> nbformat.NotebookNode:
    """A copy of ``notebook`` with the cells named by grade_id given new sources."""
    notebook = copy.deepcopy(notebook)
    for grade_id, source in sources.items():
        cell_with_id(notebook, grade_id).source = source
    return notebook


WRONG_ADD = 'def add(a, b):\n    return a - b\n'


def with_cell(notebook: nbformat.NotebookNode, after: str, source: str) -> nbformat.NotebookNode:
    """A copy of ``notebook`` with a new (ungraded) code cell after the cell with grade_id ``after``."""
    notebook = copy.deepcopy(notebook)
    index = notebook.cells.index(cell_with_id(notebook, after))
    notebook.cells.insert(index + 1, nbformat.v4.new_code_cell(source))
    return notebook


REWRITES_AND_FAKES_CELLS = """\
import ast
from IPython import get_ipython
from IPython.core.interactiveshell import InteractiveShell

shell = get_ipython()


class StripAsserts(ast.NodeTransformer):
    def visit_Assert(self, node):
        return ast.Pass()


shell.ast_transformers.append(StripAsserts())
shell.input_transformers_cleanup.append(lambda lines: [line for line in lines if "assert" not in line])


async def run_code(self, code_obj, result=None, *, async_=False):
    try:
        exec(code_obj, self.user_global_ns, self.user_ns)
    except BaseException:
        pass
    return False


InteractiveShell.run_code = run_code
shell.events.register("pre_run_cell", lambda *args: shell.displayhook("bestanden"))
shell.events.register("post_run_cell", lambda *args: shell.displayhook(3))
"""

READS_CALLERS = """\
import inspect
import sys


def add(a, b):
    found = []
    frame = sys._getframe()
    while frame is not None:
        code = frame.f_code
        try:
            source = inspect.getsource(code)
        except (OSError, TypeError):
            source = ""
        found.append(f"{code.co_filename}:{code.co_name} consts={code.co_consts!r} "
                     f"locals={ {name: repr(value)[:200] for name, value in frame.f_locals.items()} } {source}")
        frame = frame.f_back
    found += [repr((info.filename, info.function, info.code_context)) for info in inspect.stack()]
    raise RuntimeError("GEFUNDEN " + " | ".join(reversed(found)))
"""

PATCHES_BUILTINS = """\
import builtins


class AlwaysEqual:
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = object.__hash__
    __lt__ = __le__ = __gt__ = __ge__ = __eq__

    def __float__(self):
        return 0.5

    def __index__(self):
        return 0

    def __abs__(self):
        return 0.0

    def __sub__(self, other):
        return self


def sample_mean(seed, size=1000):
    builtins.isinstance = lambda *args: True
    builtins.abs = lambda value: 0.0
    return AlwaysEqual()


builtins.abs = lambda value: 0.0
"""

FORGES_EXPORTS = """\
import json
import os

import cloudpickle
from IPython import get_ipython


def wrong_add(a, b):
    return a - b


def wrong_mean(seed, size=1000):
    return 0.9


export = os.path.join(os.getcwd(), "..", "run", "export")
for test, values in {"test_add": {"add": wrong_add}, "test_sample_mean": {"sample_mean": wrong_mean}}.items():
    os.makedirs(os.path.join(export, test), exist_ok=True)
    with open(os.path.join(export, test, "values.pkl"), "wb") as file:
        file.write(cloudpickle.dumps(values))
    with open(os.path.join(export, test, "status.json"), "w") as file:
        json.dump(dict.fromkeys(values, "ok"), file)
print("FORGED", sorted(os.listdir(export)))
get_ipython().input_transformers_cleanup.append(lambda lines: [])
get_ipython().ast_transformers.append(type("Nothing", (__import__("ast").NodeTransformer,), {
    "visit_Module": lambda self, node: __import__("ast").Module(body=[], type_ignores=[])})())
"""

PREWRITES_ANSWERS = """\
def add(a, b):
    import sys
    from coursetools.plain_data import dump_plain
    from coursetools.probe_server import HEADER

    if not getattr(sys, "answers_written", False):
        sys.answers_written = True
        frame = sys._getframe()
        while "answers" not in frame.f_locals:
            frame = frame.f_back
        answers = frame.f_locals["answers"]
        for value in (3, 0, 0.5, 0.5, 0.5):  # test_add, test_add_hidden, test_sample_mean's three calls
            payload = dump_plain({"ok": value})
            answers.write(HEADER.pack(len(payload)) + payload)
        answers.flush()
    return 3
"""

BREAKS_THE_PROBE_ADD = """\
def add(a, b):
    import os
    import sys

    if (a, b) == (1, 2):
        os.write(1, b"Unsinn auf fd 1")
        frame = sys._getframe()
        while "answers" not in frame.f_locals:
            frame = frame.f_back
        os.write(frame.f_locals["answers"].fileno(), (16).to_bytes(8, "big") + b"kaputt!!kaputt!!")
    return a + b
"""

BREAKS_THE_PROBE_MEAN = """\
import os


def sample_mean(seed, size=1000):
    os._exit(3)
"""

HANGS_THE_PROBE_ADD = """\
import os


def add(a, b):
    print("Spam " * 100_000)
    os.write(1, b"\\x00\\xff" * 100_000)
    return a + b
"""

HANGS_THE_PROBE_MEAN = """\
import signal
import time


def sample_mean(seed, size=1000):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    while True:
        time.sleep(1)
"""


def make_course(directory: Path) -> Path:
    course = directory / "course"
    shutil.copytree(FIXTURE_COURSE, course)
    ensure_assignment(course, ASSIGNMENT)
    return course


def hostile_submissions(course: Path, class_dir: Path) -> dict[str, nbformat.NotebookNode | str]:
    solved = solution_notebook(nbformat.read(course / "source" / ASSIGNMENT / "fixture.ipynb", as_version=4))
    blank = nbformat.read(course / "release" / ASSIGNMENT / "fixture.ipynb", as_version=4)
    add = cell_with_id(solved, "add").source

    deleted = changed(solved, add=WRONG_ADD)
    deleted.cells = [cell for cell in deleted.cells if cell.metadata.get("nbgrader", {}).get("grade_id") != "test_add"]
    metadata = changed(solved, add=WRONG_ADD, test_add="pass")
    cell_with_id(metadata, "test_add").metadata["nbgrader"].update(points=100, grade=False)
    cell_with_id(metadata, "test_add_hidden").metadata["nbgrader"]["grade_id"] = "renamed"
    other = copy.deepcopy(solved)
    for cell in other.cells:
        if "nbgrader" in cell.metadata:
            cell.metadata["nbgrader"]["grade_id"] = "other_" + cell.metadata["nbgrader"]["grade_id"]

    targets = {
        "gradebook": course / "gradebook.db",
        "hidden_tests": course / "source" / ASSIGNMENT / "fixture.ipynb",
        "other_student": course / "submitted" / "good" / ASSIGNMENT / "fixture.ipynb",
        "class_folder": class_dir / "good" / "repository" / "fixture.ipynb",
    }
    spy = "\n".join([
        "import socket",
        f"for name, path in {json.dumps({name: str(path) for name, path in targets.items()})}.items():",
        "    for mode in ('rb', 'ab'):",
        "        try:",
        "            open(path, mode).close()",
        "            print('LEAK', mode, name)",
        "        except OSError:",
        "            print('blocked', mode, name)",
        "try:",
        "    socket.create_connection(('1.1.1.1', 80), timeout=2)",
        "    print('LEAK network')",
        "except OSError:",
        "    print('blocked network')",
        "",
    ])
    return {
        "good": solved,
        "blank": blank,
        "endless_loop": changed(solved, sample_mean="while True:\n    pass\n"),
        "ignores_interrupts": changed(solved, sample_mean=(
            "import time\nwhile True:\n    try:\n        time.sleep(0.05)\n    except KeyboardInterrupt:\n        pass\n")),
        "calls_sys_exit": changed(solved, add="import sys\nsys.exit()\n" + add),
        "calls_os_exit": changed(solved, sample_mean="import os\nos._exit(1)\n"),
        "allocates_without_bound": changed(solved, add="blocks = [bytearray(10**8) for _ in iter(int, 1)]\n" + add),
        FLOODS: changed(solved, add='print("Spam " * 10_000_000)\nfor _ in range(20_000):\n    print("Spam")\n'
                                              + add),
        "deleted_test_cell": deleted,
        "emptied_test_cell": changed(solved, add=WRONG_ADD, test_add=""),
        "edited_test_cell": changed(solved, add=WRONG_ADD, test_add="pass", test_add_hidden="pass"),
        "edited_cell_metadata": metadata,
        "spies_and_vandalises": changed(solved, add=spy + add),
        "not_json": "{ das ist kein Notebook",
        "empty_file": "",
        "other_assignment": other,
        "rewrites_cells_and_reads_callers": with_cell(changed(blank, add=READS_CALLERS, sample_mean=PATCHES_BUILTINS),
                                                      "add", REWRITES_AND_FAKES_CELLS),
        "forges_exports_and_empties_cells": with_cell(blank, "add", FORGES_EXPORTS),
        "prewrites_probe_answers": with_cell(blank, "add", PREWRITES_ANSWERS),
        "breaks_the_probe": changed(solved, add=BREAKS_THE_PROBE_ADD, sample_mean=BREAKS_THE_PROBE_MEAN),
        "hangs_the_probe": changed(solved, add=HANGS_THE_PROBE_ADD, sample_mean=HANGS_THE_PROBE_MEAN),
    }


def write_class(class_dir: Path, submissions: dict[str, nbformat.NotebookNode | str]) -> None:
    for student, content in submissions.items():
        folder = class_dir / student / "repository"
        folder.mkdir(parents=True)
        if isinstance(content, str):
            (folder / "fixture.ipynb").write_text(content)
        else:
            nbformat.write(content, folder / "fixture.ipynb")


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as file:
        return list(csv.DictReader(file))


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """Grade the hostile class once; return the course, the class folder and the output folder."""
    directory = tmp_path_factory.mktemp("grading")
    course = make_course(directory)
    class_dir = directory / "class"
    write_class(class_dir, hostile_submissions(course, class_dir))
    (class_dir / "stray_file.txt").write_text("kein Ordner")
    misnamed = class_dir / "misnamed" / "Fixture (1).ipynb"
    misnamed.parent.mkdir()
    shutil.copyfile(class_dir / "good" / "repository" / "fixture.ipynb", misnamed)
    linked = class_dir / "links_the_solution" / "repository"
    linked.mkdir(parents=True)
    (linked / "fixture.ipynb").symlink_to(course / "source" / ASSIGNMENT / "fixture.ipynb")
    shutil.copytree(class_dir / "good", class_dir / "timestamp_from_dev_zero")
    (class_dir / "timestamp_from_dev_zero" / "repository" / "timestamp.txt").symlink_to("/dev/zero")
    (class_dir / "=1+1").mkdir()
    out = directory / "out"
    grade_class(course, ASSIGNMENT, intake_folder(class_dir, ["fixture"]), SETTINGS, out)
    return course, class_dir, out


def test_every_submission_gets_exactly_the_points_it_earned(graded_class):
    _, _, out = graded_class
    scores = {row["student"]: float(row["score"]) for row in read_csv(out / "grades.csv")}
    assert scores == {**{student: float(points) for student, points in EXPECTED_SCORES.items()},
                      **{student: 0.0 for student in NOTHING_HANDED_IN}}
    assert {row["max_score"] for row in read_csv(out / "grades.csv")} == {str(MAX_SCORE)}


def test_the_gradebook_holds_the_same_scores_as_the_csv(graded_class):
    course, _, out = graded_class
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for row in read_csv(out / "grades.csv"):
            if row["student"] in NOTHING_HANDED_IN:
                continue
            submission = gradebook.find_submission_notebook("fixture", ASSIGNMENT, row["student"])
            assert submission.score == float(row["score"]), row["student"]
            assert submission.max_score == MAX_SCORE


def test_unreadable_and_misnamed_files_are_reported_by_name(graded_class):
    _, _, out = graded_class
    problems = {(row["student"], Path(row["file"]).name): row["reason"] for row in read_csv(out / "problems.csv")}
    assert "Leere Datei" in problems[("empty_file", "fixture.ipynb")]
    assert "Kein gültiges Notebook" in problems[("not_json", "fixture.ipynb")]
    assert "Gehört nicht zu dieser Aufgabe" in problems[("other_assignment", "fixture.ipynb")]
    assert "Unbekannter Dateiname" in problems[("misnamed", "Fixture (1).ipynb")]
    assert "außerhalb" in problems[("", "stray_file.txt")]


def test_links_in_the_class_folder_are_listed_and_never_followed(graded_class):
    course, _, out = graded_class
    problems = {(row["student"], Path(row["file"]).name): row["reason"] for row in read_csv(out / "problems.csv")}
    assert "Symlink" in problems[("links_the_solution", "fixture.ipynb")]
    assert "Symlink" in problems[("timestamp_from_dev_zero", "timestamp.txt")]
    assert not (course / "submitted" / "links_the_solution").exists()
    assert not (course / "submitted" / "timestamp_from_dev_zero" / ASSIGNMENT / "timestamp.txt").exists()


def test_no_csv_cell_starts_a_spreadsheet_formula(graded_class):
    _, _, out = graded_class
    problems = read_csv(out / "problems.csv")
    assert "'=1+1" in [row["file"] for row in problems]
    cells = [cell for name in ("grades.csv", "problems.csv") for row in read_csv(out / name) for cell in row.values()]
    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]


def test_the_sandbox_hides_the_course_and_other_students_and_the_network(graded_class):
    course, class_dir, _ = graded_class
    executed = nbformat.read(course / "autograded" / "spies_and_vandalises" / ASSIGNMENT / "fixture.ipynb",
                             as_version=4)
    printed = "".join(output.get("text", "") for output in cell_with_id(executed, "add").outputs)
    assert "LEAK" not in printed
    assert printed.count("blocked") == 9
    good = nbformat.read(course / "submitted" / "good" / ASSIGNMENT / "fixture.ipynb", as_version=4)
    assert "return a + b" in cell_with_id(good, "add").source


def test_hidden_tests_were_decided_although_the_submission_changed_its_test_cells(graded_class):
    course, _, _ = graded_class
    for student in ("deleted_test_cell", "emptied_test_cell", "edited_test_cell", "edited_cell_metadata"):
        executed = nbformat.read(course / "autograded" / student / ASSIGNMENT / "fixture.ipynb", as_version=4)
        hidden = cell_with_id(executed, "test_add_hidden")
        assert "add(-1, 1)" not in hidden.source, f"{student}: hidden test code in the notebook"
        assert [output.evalue for output in hidden.outputs] == ["add(-1, 1) soll 0 sein."], student


def test_feedback_is_german_and_shows_why_a_test_failed(graded_class):
    _, _, out = graded_class
    page = (out / "feedback" / "emptied_test_cell.html").read_text(encoding="utf-8")
    assert '<html lang="de">' in page
    assert "1 von 4 Punkten" in page
    assert "nicht bestanden" in page and "add(1, 2) soll 3 sein, nicht -1." in page
    assert "wird von Hand bewertet" in page
    assert "Der Kernel ist vorher abgestürzt" in (out / "feedback" / "calls_os_exit.html").read_text()
    assert "Leere Datei" in (out / "feedback" / "empty_file.html").read_text()


def test_grading_the_same_submissions_again_gives_identical_grades(graded_class):
    course, class_dir, out = graded_class
    again = ("good", "calls_os_exit", FLOODS)
    first = [row for row in read_csv(out / "grades.csv") if row["student"] in again]
    subset = class_dir.parent / "again"
    for student in again:
        shutil.copytree(class_dir / student, subset / student)
    for run in (2, 3):
        grade_class(course, ASSIGNMENT, intake_folder(subset, ["fixture"]), SETTINGS, out.parent / f"out{run}")
        assert read_csv(out.parent / f"out{run}" / "grades.csv") == first, f"Lauf {run} weicht vom ersten ab"


def test_folder_intake_finds_notebooks_anywhere_in_a_repository_but_not_in_checkpoints(tmp_path):
    repository = tmp_path / "class" / "anna"
    (repository / "aufgaben" / ".ipynb_checkpoints").mkdir(parents=True)
    (repository / ".git").mkdir()
    for path in ("aufgaben/fixture.ipynb", "aufgaben/.ipynb_checkpoints/fixture.ipynb", ".git/fixture.ipynb",
                 "fixture.ipynb"):
        (repository / path).write_text("{}")
    intake = intake_folder(tmp_path / "class", ["fixture"])
    assert intake.submissions == {"anna": {"fixture": repository / "aufgaben" / "fixture.ipynb"}}
    assert [(problem.student, problem.file) for problem in intake.problems] == [("anna", "fixture.ipynb")]


def test_zip_intake_reads_flat_lms_files_and_refuses_paths_outside_the_archive(tmp_path):
    archive = tmp_path / "lms.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("anna_fixture.ipynb", "{}")
        zipped.writestr("ben/fixture.ipynb", "{}")
        zipped.writestr("notes.txt", "x")
    intake = intake_zip(archive, ["fixture"], tmp_path / "unpacked")
    assert sorted(intake.submissions) == ["anna", "ben"]
    assert [problem.file for problem in intake.problems] == ["notes.txt"]
    hostile = tmp_path / "hostile.zip"
    with zipfile.ZipFile(hostile, "w") as zipped:
        zipped.writestr("../outside.ipynb", "{}")
    with pytest.raises(SystemExit, match="unsicherer Pfad"):
        intake_zip(hostile, ["fixture"], tmp_path / "unpacked2")
    assert not (tmp_path / "outside.ipynb").exists()


def test_the_reference_solutions_grading_time_sets_the_next_submission_timeout(graded_class):
    course, _, _ = graded_class
    seconds = json.loads((course / GRADING_DIR / TIMES_FILE).read_text())[ASSIGNMENT]
    assert 0 < seconds < SETTINGS.submission_timeout
    assert submission_timeout(course / GRADING_DIR, ASSIGNMENT) == int(5 * seconds) + 120


def test_a_reference_solution_without_full_marks_stops_grading_before_anything_is_recorded(tmp_path):
    """As with a course graded from another checkout's environment: every student would be graded wrong."""
    course = make_course(tmp_path)
    source = course / "source" / ASSIGNMENT / "fixture.ipynb"
    source.write_text(source.read_text().replace("return a + b", "return a - b"))
    class_dir = tmp_path / "class"
    write_class(class_dir, {"good": solution_notebook(nbformat.read(source, as_version=4))})
    with pytest.raises(SystemExit, match="Musterlösung.*test_add.*add\\(1, 2\\) soll 3 sein"):
        grade_class(course, ASSIGNMENT, intake_folder(class_dir, ["fixture"]), SETTINGS, tmp_path / "out")
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        assert gradebook.find_assignment(ASSIGNMENT).submissions == []


# ------------------------------------------------------------------- issue 19, mechanism 1: tests run in the kernel

def executed_notebook(course: Path, student: str) -> nbformat.NotebookNode:
    return nbformat.read(course / "autograded" / student / ASSIGNMENT / "fixture.ipynb", as_version=4)


def cell_messages(course: Path, student: str) -> dict[str, list[str]]:
    """Per autograded test cell of the student's executed notebook: the messages of its error outputs."""
    executed = executed_notebook(course, student)
    return {grade_id: [output.get("evalue", output.get("output_type")) for output in cell_with_id(executed, grade_id).outputs]
            for grade_id in ("test_add", "test_add_hidden", "test_sample_mean")}


def test_what_the_kernel_installs_does_not_decide_a_test(graded_class):
    """Transformers, a patched run_code and hooks faking an execute_result: each test cell holds only its verdict,
    and what add() found in its callers' frames in the probe process is its own error, with no verdict in it."""
    course, _, _ = graded_class
    executed = executed_notebook(course, "rewrites_cells_and_reads_callers")
    for grade_id in ("test_add", "test_add_hidden", "test_sample_mean"):
        assert [output.output_type for output in cell_with_id(executed, grade_id).outputs] == ["error"], grade_id
    messages = cell_messages(course, "rewrites_cells_and_reads_callers")
    assert all("GEFUNDEN" in message for message in messages["test_add"] + messages["test_add_hidden"]), messages
    assert "GEFUNDEN" not in messages["test_sample_mean"][0]


def verdict_source_lines() -> list[str]:
    """The lines of the fixture's verdict module that say something (not short, not a comment or import)."""
    source = (FIXTURE_COURSE / "verdicts" / ASSIGNMENT / "fixture.py").read_text()
    lines = {line.strip() for line in source.splitlines()}
    return sorted(line for line in lines if len(line) >= 20 and not line.startswith(("#", "from ", "import ")))


def test_no_feedback_page_or_graded_notebook_contains_the_verdict_code(graded_class):
    course, _, out = graded_class
    markers = [*verdict_source_lines(), "result == 3", "result == 0", "type(result) in (int, float)"]
    assert len(markers) > 5
    for student in EXPECTED_SCORES:
        texts = {"feedback": html.unescape((out / "feedback" / f"{student}.html").read_text(encoding="utf-8"))}
        graded = course / "autograded" / student / ASSIGNMENT / "fixture.ipynb"
        if graded.exists():
            texts["notebook"] = graded.read_text(encoding="utf-8")
        for where, text in texts.items():
            assert not [marker for marker in markers if marker in text], f"{student}: verdict code in the {where}"


def test_forged_export_files_are_judged_like_any_value_and_a_wrong_one_scores_nothing(graded_class):
    course, _, _ = graded_class
    executed = executed_notebook(course, "forges_exports_and_empties_cells")
    forged = next(cell for cell in executed.cells if "FORGED" in cell.source)
    assert "FORGED ['test_add', 'test_sample_mean']" in "".join(output.get("text", "") for output in forged.outputs)
    messages = cell_messages(course, "forges_exports_and_empties_cells")
    assert messages["test_add"] == ["add(1, 2) soll 3 sein, nicht -1."]
    assert "nicht erreicht" in messages["test_add_hidden"][0]
    assert messages["test_sample_mean"] == ["Der Mittelwert 0.9 liegt zu weit von 0.5."]


def test_a_broken_or_hanging_probe_fails_only_its_own_test(graded_class):
    course, _, _ = graded_class
    broken = cell_messages(course, "breaks_the_probe")
    assert "keine lesbare Antwort" in broken["test_add"][0]
    assert broken["test_add_hidden"] == []  # the probe was restarted and answered
    assert "abgestürzt" in broken["test_sample_mean"][0]
    hanging = cell_messages(course, "hangs_the_probe")
    assert hanging["test_add"] == hanging["test_add_hidden"] == []
    assert "Zeitlimit" in hanging["test_sample_mean"][0]

