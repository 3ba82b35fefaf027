"""The grading command's intake (``coursetools.intake``) with hostile submissions built in ``tmp_path``.

Each test builds one mechanism (a link, a device, a forged time, a huge file, a formula as a
name) and checks that it is listed by name and that nothing was read or copied through it.
No notebook is executed.
"""
from __future__ import annotations

import csv
import os
import shutil
import stat
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import nbformat
import pytest
from nbgrader.utils import parse_utc

from coursetools.grade import NotebookResult, write_grades_csv, write_problems_csv
from coursetools.intake import (LINK, MAX_NOTEBOOK_BYTES, Intake, Problem, UnsafeFile, check_notebooks,
                                collect_inbound, exchange_inbound, hand_in, intake_folder, intake_zip, open_beneath,
                                parse_timestamp, walk_without_links)
from coursetools.spreadsheet import safe_cell

FIXTURE_COURSE = Path(__file__).parent / "fixtures" / "grading_course"
ASSIGNMENT = "fixture"
NOTEBOOKS = ["fixture"]
SECRET = "GEHEIM-4711"


def notebook(marker: str = "") -> str:
    """A notebook of the fixture assignment (it has the solution cell ``add``) holding ``marker``."""
    cell = nbformat.v4.new_code_cell(f"def add(a, b):\n    return a + b  # {marker}\n")
    cell.metadata["nbgrader"] = {"grade_id": "add", "solution": True, "grade": False, "locked": False,
                                 "schema_version": 3}
    return nbformat.writes(nbformat.v4.new_notebook(cells=[cell]))


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder outside the class with a notebook that must never reach a grade: the secret solution."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "fixture.ipynb").write_text(notebook(SECRET))
    (folder / "timestamp.txt").write_text("2024-05-01 10:00:00.000000 UTC")
    return folder


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """The fixture course's source and a released blank, without a gradebook (hand-in needs no more)."""
    course = tmp_path / "course"
    shutil.copytree(FIXTURE_COURSE / "source", course / "source")
    (course / "release" / ASSIGNMENT).mkdir(parents=True)
    (course / "release" / ASSIGNMENT / "fixture.ipynb").write_text(notebook("leer"))
    return course


def student(class_dir: Path, name: str, content: str | None = None) -> Path:
    folder = class_dir / name
    folder.mkdir(parents=True)
    if content is not None:
        (folder / "fixture.ipynb").write_text(content)
    return folder


def reasons(intake: Intake) -> dict[tuple[str, str], str]:
    return {(problem.student, problem.file): problem.reason for problem in intake.problems}


def everything_below(folder: Path) -> str:
    """The content of every file below ``folder`` (links are not followed), to search for the secret."""
    texts = []
    for directory, _, files in os.walk(folder):
        for name in files:
            path = Path(directory) / name
            assert not path.is_symlink(), f"link in the intake's output: {path}"
            texts.append(path.read_text(errors="replace"))
    return "\n".join(texts)


def handed_in(course: Path, intake: Intake) -> str:
    check_notebooks(course, ASSIGNMENT, intake)
    hand_in(course, ASSIGNMENT, intake)
    return everything_below(course / "submitted")


# ------------------------------------------------------------------------------------------------ links

@pytest.mark.parametrize("target", ["outside", "classmate", "proc_self_cwd"])
def test_symlinked_notebook_is_a_problem_and_not_copied(tmp_path, outside, course, target):
    class_dir = tmp_path / "class"
    classmate = student(class_dir, "ben", notebook(SECRET))
    anna = student(class_dir, "anna")
    pointed_at = {"outside": outside / "fixture.ipynb", "classmate": classmate / "fixture.ipynb",
                  "proc_self_cwd": Path("/proc/self/cwd") / os.path.relpath(outside / "fixture.ipynb")}[target]
    (anna / "fixture.ipynb").symlink_to(pointed_at)
    intake = intake_folder(class_dir, NOTEBOOKS)
    assert "Symlink" in reasons(intake)[("anna", "fixture.ipynb")]
    assert "anna" not in intake.submissions
    handed_in(course, intake)
    assert not (course / "submitted" / "anna").exists()


def test_symlinked_folder_in_a_student_folder_is_a_problem_and_not_entered(tmp_path, outside, course):
    anna = student(tmp_path / "class", "anna")
    (anna / "repository").symlink_to(outside, target_is_directory=True)
    intake = intake_folder(tmp_path / "class", NOTEBOOKS)
    assert "Symlink" in reasons(intake)[("anna", "repository")]
    assert "anna" not in intake.submissions
    assert SECRET not in handed_in(course, intake)


def test_student_folder_that_is_a_link_is_a_problem_and_not_entered(tmp_path, outside, course):
    (tmp_path / "class").mkdir()
    (tmp_path / "class" / "anna").symlink_to(outside, target_is_directory=True)
    intake = intake_folder(tmp_path / "class", NOTEBOOKS)
    assert "Symlink" in reasons(intake)[("", "anna")]
    assert intake.submissions == {}
    assert SECRET not in handed_in(course, intake)


@pytest.mark.parametrize("target", ["/dev/zero", "/proc/self/environ"])
def test_timestamp_linked_to_a_device_or_proc_file_is_ignored_unread(tmp_path, course, target):
    anna = student(tmp_path / "class", "anna", notebook("anna"))
    (anna / "timestamp.txt").symlink_to(target)
    intake = intake_folder(tmp_path / "class", NOTEBOOKS)
    assert "Symlink" in reasons(intake)[("anna", "timestamp.txt")]
    assert intake.timestamps == {}
    copied = handed_in(course, intake)
    assert not (course / "submitted" / "anna" / ASSIGNMENT / "timestamp.txt").exists()
    assert "PATH=" not in copied and "\0" not in copied


def test_special_file_in_a_student_folder_is_listed_and_never_opened(tmp_path):
    anna = student(tmp_path / "class", "anna")
    os.mkfifo(anna / "fixture.ipynb")  # opening a pipe for reading would block the intake
    intake = intake_folder(tmp_path / "class", NOTEBOOKS)
    assert "Weder normale Datei noch Ordner" in reasons(intake)[("anna", "fixture.ipynb")]
    assert "anna" not in intake.submissions


@pytest.mark.parametrize("swapped", ["fixture.ipynb", "aufgaben"])
def test_link_swapped_in_after_the_scan_is_not_followed_when_reading(tmp_path, outside, course, swapped):
    anna = student(tmp_path / "class", "anna")
    (anna / "aufgaben").mkdir()
    (anna / "aufgaben" / "fixture.ipynb").write_text(notebook("anna"))
    intake = intake_folder(tmp_path / "class", NOTEBOOKS)
    assert intake.submissions == {"anna": {"fixture": anna / "aufgaben" / "fixture.ipynb"}}
    if swapped == "aufgaben":
        shutil.rmtree(anna / "aufgaben")
        (anna / "aufgaben").symlink_to(outside, target_is_directory=True)
    else:
        (anna / "aufgaben" / "fixture.ipynb").unlink()
        (anna / "aufgaben" / "fixture.ipynb").symlink_to(outside / "fixture.ipynb")
    copied = handed_in(course, intake)
    assert "Symlink" in reasons(intake)[("anna", "fixture.ipynb")]
    assert SECRET not in copied
    assert "leer" in (course / "submitted" / "anna" / ASSIGNMENT / "fixture.ipynb").read_text()


def test_walk_lists_nothing_through_a_folder_swapped_for_a_link(tmp_path, outside):
    """A student folder replaced by a link after it was checked (a race in the exchange) is not listed."""
    (tmp_path / "anna").symlink_to(outside, target_is_directory=True)
    assert walk_without_links(tmp_path / "anna") == ([], [(Path(), LINK)])


def test_paths_that_leave_the_student_folder_are_refused(tmp_path, outside):
    anna = student(tmp_path / "class", "anna")
    with pytest.raises(UnsafeFile, match="hinaus"):
        open_beneath(anna, Path("..") / ".." / "outside" / "fixture.ipynb")


# ------------------------------------------------------------------------------------------------ sizes

def test_notebook_larger_than_the_limit_is_listed_and_graded_as_blank(tmp_path, course):
    anna = student(tmp_path / "class", "anna")
    with open(anna / "fixture.ipynb", "wb") as file:
        file.truncate(MAX_NOTEBOOK_BYTES + 1)  # sparse: costs no disk
    intake = intake_folder(tmp_path / "class", NOTEBOOKS)
    handed_in(course, intake)
    assert "größer als 50 MiB" in reasons(intake)[("anna", "fixture.ipynb")]
    assert intake.submissions["anna"]["fixture"] == course / "release" / ASSIGNMENT / "fixture.ipynb"
    assert "leer" in (course / "submitted" / "anna" / ASSIGNMENT / "fixture.ipynb").read_text()


# ------------------------------------------------------------------------------------------- timestamps

def test_plausible_timestamp_is_handed_in_in_nbgraders_format(tmp_path, course):
    anna = student(tmp_path / "class", "anna", notebook("anna"))
    (anna / "timestamp.txt").write_text("2024-05-01 14:00:00.123456+02:00\n")
    intake = intake_folder(tmp_path / "class", NOTEBOOKS)
    handed_in(course, intake)
    written = (course / "submitted" / "anna" / ASSIGNMENT / "timestamp.txt").read_text()
    assert written == "2024-05-01 12:00:00.123456 UTC"
    assert parse_utc(written) == datetime(2024, 5, 1, 12, 0, 0, 123456)


@pytest.mark.parametrize("content", [
    b"2099-01-01 00:00:00.000000 UTC",           # in the future
    b"1970-01-01 00:00:00.000000 UTC",           # before 2000
    b"gestern Abend",
    b"5",                                         # dateutil would make it the 5th of this month
    b"2024-01-01 10:00:00 /proc/self/environ",   # parse_utc would open the zone name as a file
    b"2024-13-45 10:00:00 UTC",
    b"2024-05-01 14:00:00 +0200",                # parse_utc would read the offset as 200 seconds
    b"2024-01-01 10:00:00 UTC" + b" " * 200,     # too long to be a timestamp
    b"\xff\xfe2024",
])
def test_forged_or_implausible_timestamp_is_ignored_and_listed(tmp_path, course, content):
    anna = student(tmp_path / "class", "anna", notebook("anna"))
    (anna / "timestamp.txt").write_bytes(content)
    (course / "submitted" / "anna" / ASSIGNMENT).mkdir(parents=True)
    (course / "submitted" / "anna" / ASSIGNMENT / "timestamp.txt").write_text("2024-01-01 00:00:00 UTC")  # stale
    intake = intake_folder(tmp_path / "class", NOTEBOOKS)
    assert ("anna", "timestamp.txt") in reasons(intake)
    assert intake.timestamps == {}
    handed_in(course, intake)
    assert not (course / "submitted" / "anna" / ASSIGNMENT / "timestamp.txt").exists()


def test_timestamp_may_be_a_few_minutes_ahead_for_clock_skew():
    now = datetime(2024, 5, 1, 12, 0)
    assert parse_timestamp("2024-05-01 12:04:00 UTC", now) == datetime(2024, 5, 1, 12, 4)
    with pytest.raises(ValueError, match="Zukunft"):
        parse_timestamp(f"{now + timedelta(minutes=10):%Y-%m-%d %H:%M:%S} UTC", now)


# ------------------------------------------------------------------------------------------ CSV formulas

def test_names_starting_with_a_formula_are_written_to_csv_as_text(tmp_path, course):
    class_dir = tmp_path / "class"
    student(class_dir, "=cmd|' -C calc'!A0", notebook())
    (student(class_dir, "anna", notebook()) / "@SUM(1+1).ipynb").write_text("{}")
    (class_dir / "-2+3").write_text("x")
    intake = intake_folder(class_dir, NOTEBOOKS)
    assert ("", "=cmd|' -C calc'!A0") in reasons(intake)
    problems = intake.problems + [Problem("+anna", "\tfile", "\rreason")]
    write_problems_csv(tmp_path / "problems.csv", problems)
    write_grades_csv(tmp_path / "grades.csv", "-a", [NotebookResult("=b", "@c", 1.0, 2.0, ())])
    for name in ("problems.csv", "grades.csv"):
        with open(tmp_path / name, newline="", encoding="utf-8") as file:
            cells = [cell for row in csv.reader(file) for cell in row]
        assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@", "\t", "\r"))], name
    with open(tmp_path / "problems.csv", newline="", encoding="utf-8") as file:
        assert "'=cmd|' -C calc'!A0" in [row[1] for row in csv.reader(file)]


@pytest.mark.parametrize(("value", "cell"), [("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@x", "'@x"),
                                             ("\tx", "'\tx"), ("\rx", "'\rx"), ("anna", "anna"), ("3", "3"), ("", "")])
def test_safe_cell_prefixes_formula_starts_with_an_apostrophe(value, cell):
    assert safe_cell(value) == cell


def test_unprintable_file_names_are_listed_escaped(tmp_path):
    anna = student(tmp_path / "class", "anna", notebook())
    (anna / "Fixture\x1b[2J.ipynb").write_text("{}")
    intake = intake_folder(tmp_path / "class", NOTEBOOKS)
    assert ("anna", "Fixture\\x1b[2J.ipynb") in reasons(intake)


# -------------------------------------------------------------------------------------------------- zip

def link_member(name: str, target: str) -> zipfile.ZipInfo:
    member = zipfile.ZipInfo(name)
    member.create_system = 3  # Unix
    member.external_attr = (stat.S_IFLNK | 0o777) << 16
    return member


def test_zip_member_that_is_a_symlink_is_listed_and_not_unpacked(tmp_path, outside, course):
    archive = tmp_path / "lms.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr(link_member("anna/fixture.ipynb", str(outside / "fixture.ipynb")), str(outside / "fixture.ipynb"))
        zipped.writestr(link_member("ben_fixture.ipynb", "/dev/zero"), "/dev/zero")
        zipped.writestr("carl/fixture.ipynb", notebook("carl"))
    intake = intake_zip(archive, NOTEBOOKS, tmp_path / "unpacked")
    assert "Symlink" in reasons(intake)[("anna", "anna/fixture.ipynb")]
    assert "Symlink" in reasons(intake)[("", "ben_fixture.ipynb")]
    assert sorted(intake.submissions) == ["carl"]
    assert not (tmp_path / "unpacked" / "anna" / "fixture.ipynb").exists()
    assert SECRET not in everything_below(tmp_path / "unpacked") + handed_in(course, intake)


def test_zipfile_itself_never_creates_a_link(tmp_path, outside):
    """Why the intake only has to skip link members: ``zipfile`` writes their target as a file's text."""
    archive = tmp_path / "link.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr(link_member("anna/fixture.ipynb", str(outside)), str(outside / "fixture.ipynb"))
    with zipfile.ZipFile(archive) as zipped:
        zipped.extractall(tmp_path / "plain")
    extracted = tmp_path / "plain" / "anna" / "fixture.ipynb"
    assert not extracted.is_symlink() and extracted.read_text() == str(outside / "fixture.ipynb")


# --------------------------------------------------------------------------------------------- exchange

def submission(inbound: Path, name: str, content: str | None) -> Path:
    folder = inbound / name
    folder.mkdir(parents=True)
    if content is not None:
        (folder / "fixture.ipynb").write_text(content)
    (folder / "timestamp.txt").write_text(name.split("+")[2])
    return folder


def test_exchange_collects_each_students_newest_submission_and_follows_no_link(tmp_path, outside, course):
    inbound = tmp_path / "exchange" / "kurs" / "inbound"
    submission(inbound, "anna+fixture+2024-05-01 10:00:00.000000 UTC", notebook("alt"))
    submission(inbound, "anna+fixture+2024-05-02 10:00:00.000000 UTC+Zufall_1", notebook("neu"))
    submission(inbound, "anna+other+2024-05-03 10:00:00.000000 UTC", notebook("andere Aufgabe"))
    ben = submission(inbound, "ben+fixture+2024-05-01 10:00:00.000000 UTC", None)
    (ben / "fixture.ipynb").symlink_to(outside / "fixture.ipynb")
    (inbound / "carl+fixture+2024-05-01 10:00:00.000000 UTC").symlink_to(outside, target_is_directory=True)
    submission(inbound, "=cmd+fixture+2024-05-01 10:00:00.000000 UTC", notebook(SECRET))
    submission(inbound, "dora+fixture+2099-01-01 10:00:00.000000 UTC", notebook(SECRET))
    intake = collect_inbound(inbound, ASSIGNMENT, NOTEBOOKS, tmp_path / "collected")
    problems = reasons(intake)
    assert sorted(intake.submissions) == ["anna"]
    assert "neu" in intake.submissions["anna"]["fixture"].read_text()
    assert intake.timestamps == {"anna": "2024-05-02 10:00:00.000000 UTC"}
    assert "Symlink" in problems[("ben", "ben+fixture+2024-05-01 10:00:00.000000 UTC/fixture.ipynb")]
    assert "Symlink" in problems[("carl", "carl+fixture+2024-05-01 10:00:00.000000 UTC")]
    assert "Studierenden-ID" in problems[("", "=cmd+fixture+2024-05-01 10:00:00.000000 UTC")]
    assert "Zukunft" in problems[("dora", "dora+fixture+2099-01-01 10:00:00.000000 UTC")]
    assert SECRET not in everything_below(tmp_path / "collected") + handed_in(course, intake)
    assert (course / "submitted" / "anna" / ASSIGNMENT / "timestamp.txt").read_text() == intake.timestamps["anna"]


def test_exchange_inbound_comes_from_nbgraders_configuration(tmp_path):
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(FIXTURE_COURSE / "nbgrader_config.py", course)
    (course / "exchange" / "grading-fixture" / "inbound").mkdir(parents=True)
    assert exchange_inbound(course) == course / "exchange" / "grading-fixture" / "inbound"
