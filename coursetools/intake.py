"""Intake, step 1 of the grading command: find each student's notebooks without trusting anything handed in.

Submissions come from a folder with one folder per student (e.g. GitHub Classroom clones; the
notebooks may lie anywhere inside), from an LMS zip (the same layout zipped, or flat files
``<student>_<notebook>.ipynb``) or from nbgrader's exchange. The grader runs with the
instructor's rights (often root), the student controls every byte of their folder, so:

- *No link is ever followed.* Student folders are walked without following links (``lstat``);
  a symbolic link anywhere inside (to a file, a folder, a device, another student), a student
  folder that is itself a link, and anything that is neither a regular file nor a folder is
  listed as a problem by name and neither read nor copied. Files are opened component by
  component with ``O_NOFOLLOW`` below the student's folder, so a link swapped in after the scan
  still fails, and no path can lead out of the folder (no ``..``, no link).
- *Reads are bounded.* A notebook larger than :data:`MAX_NOTEBOOK_BYTES` is listed and graded as
  blank, like an unreadable one; ``timestamp.txt`` is read only up to :data:`MAX_TIMESTAMP_BYTES`.
- *Zip archives* are unpacked only inside the target folder; members that are symbolic links
  (``S_IFLNK`` in their Unix mode) or larger than a notebook may be are listed, not unpacked.
- *The exchange* is collected here, not by ``nbgrader collect`` (whose ``copytree`` follows
  links): ``<exchange>/<course_id>/inbound/<student>+<assignment>+<timestamp>[+<random>]`` is
  parsed as nbgrader does, each student's newest submission is taken, and only its regular
  notebook files are copied. Student ids must match :data:`STUDENT_ID`.

*Submission times.* ``timestamp.txt`` (folder, zip) and the time in an exchange folder's name are
used only when they are a date ``YYYY-MM-DD hh:mm[:ss[.ffffff]] [zone]`` between
:data:`EARLIEST_TIMESTAMP` and now (plus :data:`CLOCK_SKEW`); otherwise they are ignored and
listed. They are then written to ``submitted/`` in nbgrader's own format. A plausible time is
still only the student's claim: in a folder or zip the student wrote ``timestamp.txt``
themselves, so due dates for such classes must come from the LMS or from GitHub (push times).
In the exchange, nbgrader trusts what the student's own ``nbgrader submit`` wrote: the folder
name (which submission is the newest, ``--before-duedate``) and ``timestamp.txt`` (the late
penalty); on a shared machine a student can create such a folder with any time in it. Only the
file system's change times (``ctime``) of the inbound folder are outside the student's control.
"""
from __future__ import annotations

import errno
import json
import os
import re
import stat
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import nbformat
from nbgrader.utils import parse_utc

from .code_scan import findings_reason, printable, scan_notebook

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
MAX_NOTEBOOK_BYTES = 50 * 2**20
"""A larger notebook is not read: listed as a problem and graded as blank."""
MAX_TIMESTAMP_BYTES = 100
TIMESTAMP_FILE = "timestamp.txt"
EARLIEST_TIMESTAMP = datetime(2000, 1, 1)
"""Submission times before this (UTC) are not plausible."""
CLOCK_SKEW = timedelta(minutes=5)
"""How far a submission time may lie in the future (clocks of other machines)."""
TIMESTAMP_SHAPE = re.compile(
    r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?: [A-Za-z]{1,6}|Z|[+-]\d{2}:?\d{2})?$")
"""What nbgrader writes (``%Y-%m-%d %H:%M:%S.%f %Z``) and ISO dates. A zone name must be short letters
(:func:`nbgrader.utils.parse_utc` looks it up as a file), an offset must follow the time directly
(after a space parse_utc would read ``+0200`` as 200 seconds)."""
INBOUND_NAME = re.compile(r"^(?P<student>[^+]+)\+(?P<assignment>[^+]+)\+(?P<timestamp>[^+]+)(?:\+[^+]*)?$")
"""``<student>+<assignment>+<timestamp>[+<random>]``, what ``nbgrader submit`` names an inbound folder."""

LINK = "Verknüpfung (Symlink): nicht gelesen und nicht kopiert."
SPECIAL_FILE = "Weder normale Datei noch Ordner (z. B. Gerät oder Pipe): nicht gelesen."


@dataclass(frozen=True)
class Problem:
    """A file or student that could not be graded (fully), with the reason in German."""

    student: str
    file: str
    reason: str


@dataclass
class Intake:
    """The notebooks to grade per student, and what was wrong with the rest.

    ``folders`` holds each student's folder: their files are read only below it, never through a
    link. ``timestamps`` holds the plausible submission times (nbgrader's format), ``replaced``
    the student's own files that :func:`check_notebooks` replaced by the blank notebook.
    """

    submissions: dict[str, dict[str, Path]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    folders: dict[str, Path] = field(default_factory=dict)
    timestamps: dict[str, str] = field(default_factory=dict)
    replaced: dict[str, dict[str, Path]] = field(default_factory=dict)


class UnsafeFile(Exception):
    """A file that intake does not read; the message is the German reason."""


# ------------------------------------------------------------------------------------------ the course

def notebook_names(course: Path, assignment: str) -> list[str]:
    """The notebooks of ``assignment`` (file stems), from its source folder."""
    names = sorted(path.stem for path in (course / "source" / assignment).glob("*.ipynb"))
    if not names:
        raise SystemExit(f"Aufgabe {assignment!r} hat keine Notebooks in {course / 'source' / assignment}.")
    return names


def solution_cell_ids(course: Path, assignment: str, notebook: str) -> set[str]:
    """The ``grade_id`` of every solution cell of a source notebook."""
    source = nbformat.read(course / "source" / assignment / f"{notebook}.ipynb", as_version=4)
    return {cell.metadata["nbgrader"]["grade_id"] for cell in source.cells
            if cell.metadata.get("nbgrader", {}).get("solution")}


# ------------------------------------------------------------------------------- reading without links

def open_beneath(root: Path, relative: Path, directory: bool = False) -> int:
    """Open ``root/relative`` read-only (a file, or a folder) without following any link, ``root`` included.

    Each component is opened with ``O_NOFOLLOW`` relative to its parent's descriptor, so a link
    anywhere on the way, also one swapped in after the folder was scanned, makes the open fail.
    """
    if relative.is_absolute() or ".." in relative.parts or not (relative.parts or directory):
        raise UnsafeFile("Pfad führt aus dem Ordner der Abgabe hinaus: nicht gelesen.")
    folder_flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
    try:
        current = os.open(root, folder_flags)
    except OSError as error:
        raise UnsafeFile(refusal(error)) from error
    try:
        for part in relative.parts if directory else relative.parts[:-1]:
            inner = os.open(part, folder_flags, dir_fd=current)
            os.close(current)
            current = inner
        if directory:
            opened, current = current, -1
            return opened
        return os.open(relative.parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY,
                       dir_fd=current)
    except OSError as error:
        raise UnsafeFile(refusal(error)) from error
    finally:
        if current >= 0:
            os.close(current)


def refusal(error: OSError) -> str:
    """Why a path could not be opened without links (German)."""
    return LINK if error.errno in (errno.ELOOP, errno.ENOTDIR) else f"Nicht lesbar ({error.strerror})."


def read_regular_file(root: Path, relative: Path, limit: int) -> bytes:
    """The content of ``root/relative``: a regular file reached without links, at most ``limit`` bytes."""
    with os.fdopen(open_beneath(root, relative), "rb") as file:
        status = os.fstat(file.fileno())
        if not stat.S_ISREG(status.st_mode):
            raise UnsafeFile(SPECIAL_FILE)
        content = file.read(limit + 1)
    if status.st_size > limit or len(content) > limit:
        raise UnsafeFile(f"Datei größer als {size_text(limit)}: nicht gelesen.")
    return content


def size_text(size: int) -> str:
    """``size`` in bytes, in German, in MiB from 1 MiB on."""
    return f"{size / 2**20:g} MiB" if size >= 2**20 else f"{size} Bytes"


def walk_without_links(root: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """The regular files below ``root`` (relative, sorted) and the entries that are not read, with reasons.

    Hidden entries (``.git``, ``.ipynb_checkpoints``) are skipped unread; links and special files
    are returned as problems; no link is followed into.
    """
    files: list[Path] = []
    refused: list[tuple[Path, str]] = []
    pending = [Path()]
    while pending:
        relative = pending.pop()
        try:
            folder = open_beneath(root, relative, directory=True)  # a folder swapped for a link is not listed
        except UnsafeFile as error:
            refused.append((relative, str(error)))
            continue
        try:
            with os.scandir(folder) as entries:
                for entry in sorted(entries, key=lambda entry: entry.name):
                    path = relative / entry.name
                    if entry.name.startswith("."):
                        continue
                    if entry.is_symlink():
                        refused.append((path, LINK))
                    elif entry.is_dir(follow_symlinks=False):
                        pending.append(path)
                    elif entry.is_file(follow_symlinks=False):
                        files.append(path)
                    else:
                        refused.append((path, SPECIAL_FILE))
        except OSError as error:
            refused.append((relative, f"Ordner nicht lesbar ({error.strerror})."))
        finally:
            os.close(folder)
    return sorted(files), sorted(refused)


# ---------------------------------------------------------------------------------- submission times

def parse_timestamp(text: str, now: datetime | None = None) -> datetime:
    """A plausible submission time (naive UTC) from ``text``; ``ValueError`` with a German reason otherwise."""
    text = text.strip()
    if not TIMESTAMP_SHAPE.match(text):
        raise ValueError("kein Datum der Form JJJJ-MM-TT hh:mm:ss")
    try:
        moment = parse_utc(text)
    except (ValueError, OverflowError) as error:
        raise ValueError("kein gültiges Datum") from error
    now = now or datetime.now(timezone.utc).replace(tzinfo=None)
    if moment > now + CLOCK_SKEW:
        raise ValueError("liegt in der Zukunft")
    if moment < EARLIEST_TIMESTAMP:
        raise ValueError(f"liegt vor {EARLIEST_TIMESTAMP:%Y}")
    return moment


def nbgrader_timestamp(moment: datetime) -> str:
    """``moment`` (naive UTC) as nbgrader writes ``timestamp.txt``."""
    return f"{moment:%Y-%m-%d %H:%M:%S.%f} UTC"


def read_timestamp(root: Path, relative: Path) -> str:
    """The plausible time in the file ``root/relative``, in nbgrader's format; ``UnsafeFile`` otherwise."""
    content = read_regular_file(root, relative, MAX_TIMESTAMP_BYTES)
    try:
        return nbgrader_timestamp(parse_timestamp(content.decode("utf-8")))
    except ValueError as error:  # UnicodeDecodeError included
        raise UnsafeFile(f"Zeitstempel ignoriert ({error}).") from error


# ------------------------------------------------------------------------------------------- sources

def intake_folder(folder: Path, notebooks: list[str]) -> Intake:
    """One folder per student; each expected notebook may lie anywhere inside it."""
    intake = Intake()
    for entry in sorted(os.scandir(folder), key=lambda entry: entry.name):
        name = printable(entry.name)
        if entry.name.startswith("."):
            continue
        if entry.is_symlink():
            intake.problems.append(Problem("", name, f"Studierenden-Ordner ist eine {LINK}"))
        elif not entry.is_dir(follow_symlinks=False):
            intake.problems.append(Problem("", name, "Datei außerhalb eines Studierenden-Ordners, übersprungen."))
        elif not STUDENT_ID.match(entry.name):
            intake.problems.append(Problem("", name, "Ordnername ist keine gültige Studierenden-ID, übersprungen."))
        else:
            intake_student(intake, entry.name, folder / entry.name, notebooks)
    return intake


def intake_student(intake: Intake, student: str, root: Path, notebooks: list[str]) -> None:
    """Find ``student``'s notebooks and ``timestamp.txt`` in ``root``, following no link."""
    files, refused = walk_without_links(root)
    intake.problems += [Problem(student, printable(str(path)), reason) for path, reason in refused]
    found: dict[str, Path] = {}
    for path in files:
        if path.suffix != ".ipynb":
            continue
        if path.stem not in notebooks:
            intake.problems.append(Problem(student, printable(str(path)),
                                           f"Unbekannter Dateiname, erwartet: {', '.join(notebooks)}.ipynb."))
        elif path.stem in found:
            intake.problems.append(Problem(student, printable(str(path)),
                                           f"Zweites {printable(path.name)}; bewertet wird {found[path.stem]}."))
        else:
            found[path.stem] = path
    if not found:
        intake.problems.append(Problem(student, "", "Keine Notebooks dieser Aufgabe gefunden."))
        return
    intake.folders[student] = root
    intake.submissions[student] = {notebook: root / path for notebook, path in found.items()}
    timestamp = next(iter(found.values())).parent / TIMESTAMP_FILE
    if timestamp in files:
        try:
            intake.timestamps[student] = read_timestamp(root, timestamp)
        except UnsafeFile as error:
            intake.problems.append(Problem(student, printable(str(timestamp)), str(error)))


def intake_zip(archive: Path, notebooks: list[str], into: Path) -> Intake:
    """An LMS download: student folders zipped, or flat files ``<student>_<notebook>.ipynb``.

    Members that are symbolic links or larger than a notebook may be are listed, not unpacked.
    """
    refused: list[Problem] = []
    try:
        with zipfile.ZipFile(archive) as zipped:
            members = []
            for member in zipped.infolist():
                target = (into / member.filename).resolve()
                if not target.is_relative_to(into.resolve()):
                    raise zipfile.BadZipFile(f"unsicherer Pfad {member.filename!r}")
                mode = member.external_attr >> 16
                owner = member.filename.split("/")[0] if "/" in member.filename else ""
                owner = owner if STUDENT_ID.match(owner) else ""
                if stat.S_ISLNK(mode):
                    refused.append(Problem(owner, printable(member.filename), f"{LINK} (im Archiv)"))
                elif not member.is_dir() and member.file_size > MAX_NOTEBOOK_BYTES:
                    refused.append(Problem(owner, printable(member.filename),
                                           f"Datei größer als {size_text(MAX_NOTEBOOK_BYTES)}: nicht entpackt."))
                else:
                    members.append(member)
            zipped.extractall(into, members)
    except (zipfile.BadZipFile, OSError) as error:
        raise SystemExit(f"{archive} ist kein lesbares zip-Archiv: {error}") from error
    flat = re.compile(rf"^(?P<student>[A-Za-z0-9][A-Za-z0-9.-]*)_(?P<notebook>{'|'.join(map(re.escape, notebooks))})"
                      r"\.ipynb$")
    for path in sorted(into.glob("*.ipynb")):
        match = flat.match(path.name)
        if match and not path.is_symlink():
            student_dir = into / match["student"]
            student_dir.mkdir(exist_ok=True)
            path.rename(student_dir / f"{match['notebook']}.ipynb")
    intake = intake_folder(into, notebooks)
    intake.problems[:0] = refused
    return intake


def intake_exchange(course: Path, assignment: str, notebooks: list[str], into: Path) -> Intake:
    """Collect each student's newest submission from nbgrader's exchange into ``into``, then take it in."""
    return collect_inbound(exchange_inbound(course), assignment, notebooks, into)


def collect_inbound(inbound: Path, assignment: str, notebooks: list[str], into: Path) -> Intake:
    """What ``nbgrader collect`` does, without following links: the newest submission per student.

    Only the regular notebook files of a submission are copied to ``into/<student>/``; links,
    special files, invalid student ids and implausible times are listed as problems.
    """
    refused: list[Problem] = []
    newest: dict[str, tuple[datetime, str]] = {}
    for entry in sorted(os.scandir(inbound), key=lambda entry: entry.name):
        match = INBOUND_NAME.match(entry.name)
        if match is None or match["assignment"] != assignment:
            continue
        student, name = match["student"], printable(entry.name)
        if not STUDENT_ID.match(student):
            refused.append(Problem("", name, "Keine gültige Studierenden-ID im Ordnernamen, übersprungen."))
        elif entry.is_symlink():
            refused.append(Problem(student, name, LINK))
        elif not entry.is_dir(follow_symlinks=False):
            refused.append(Problem(student, name, "Kein Ordner, übersprungen."))
        else:
            try:
                moment = parse_timestamp(match["timestamp"])
            except ValueError as error:
                refused.append(Problem(student, name, f"Zeitstempel im Ordnernamen ungültig ({error}): Abgabe übersprungen."))
                continue
            if student not in newest or moment > newest[student][0]:
                newest[student] = (moment, entry.name)
    into.mkdir(parents=True, exist_ok=True)
    for student, (_, folder_name) in sorted(newest.items()):
        (into / student).mkdir()
        files, links = walk_without_links(inbound / folder_name)
        refused += [Problem(student, printable(f"{folder_name}/{path}"), reason) for path, reason in links]
        for path in files:
            if path.suffix != ".ipynb":
                continue
            try:
                content = read_regular_file(inbound / folder_name, path, MAX_NOTEBOOK_BYTES)
            except UnsafeFile as error:
                refused.append(Problem(student, printable(f"{folder_name}/{path}"), str(error)))
                continue
            (into / student / path).parent.mkdir(parents=True, exist_ok=True)
            (into / student / path).write_bytes(content)
    intake = intake_folder(into, notebooks)
    intake.problems[:0] = refused
    for student, (moment, _) in newest.items():
        if student in intake.submissions:
            intake.timestamps[student] = nbgrader_timestamp(moment)
    return intake


def exchange_inbound(course: Path) -> Path:
    """``<Exchange.root>/<course_id>/inbound`` as nbgrader's configuration, read in ``course``, says."""
    try:
        answer = subprocess.run([sys.executable, "-c", EXCHANGE_SETTINGS], cwd=course, capture_output=True,
                                text=True, timeout=300, check=True)
        settings = json.loads(answer.stdout.strip().splitlines()[-1])
    except (subprocess.SubprocessError, ValueError, IndexError) as error:
        raise SystemExit(f"nbgrader-Konfiguration in {course} nicht lesbar (Exchange.root, course_id): {error}") from error
    if not settings["course_id"]:
        raise SystemExit("Keine course_id konfiguriert (c.CourseDirectory.course_id in nbgrader_config.py).")
    inbound = Path(settings["root"]) / settings["course_id"] / "inbound"
    if not inbound.is_dir():
        raise SystemExit(f"Kein Eingangsordner im Exchange: {inbound}")
    return inbound


EXCHANGE_SETTINGS = """
import json
from nbgrader.apps.baseapp import NbGrader
from nbgrader.coursedir import CourseDirectory
from nbgrader.exchange.default.exchange import Exchange

app = NbGrader()
app.load_config_file()  # as every nbgrader command: the user's and system's config, then the folder's
coursedir = CourseDirectory(config=app.config)
exchange = Exchange(coursedir=coursedir, authenticator=None, config=app.config)
print(json.dumps({"root": exchange.root, "course_id": coursedir.course_id}))
"""
"""Run in the course folder: prints nbgrader's exchange root and course id as JSON."""


# ------------------------------------------------------------------------------ checks and handing in

def check_notebooks(course: Path, assignment: str, intake: Intake) -> None:
    """Read every submitted notebook once: grade the blank in place of a bad one, list suspicious code.

    An empty file, a file that is not a notebook, one of another assignment, one too large or not
    readable without following a link is replaced by the blank released notebook (0 points, but the
    student is in the gradebook), and the reason is listed. A readable notebook whose code reaches
    into the interpreter (:mod:`coursetools.code_scan`) is listed for manual review.
    """
    for student, files in intake.submissions.items():
        for notebook, path in files.items():
            try:
                content = read_submitted_file(intake, student, path)
                reason = notebook_problem(content, solution_cell_ids(course, assignment, notebook))
            except UnsafeFile as error:
                reason = str(error)
            if reason is not None:
                intake.problems.append(Problem(student, printable(path.name),
                                               f"{reason} Bewertet wie eine leere Abgabe (0 Punkte)."))
                intake.replaced.setdefault(student, {})[notebook] = path
                files[notebook] = course / "release" / assignment / f"{notebook}.ipynb"
                continue
            findings = scan_notebook(nbformat.reads(content.decode("utf-8"), as_version=4))
            if findings:
                intake.problems.append(Problem(student, printable(path.name), findings_reason(findings)))


def notebook_problem(content: bytes, solution_ids: set[str]) -> str | None:
    """Why ``content`` cannot be graded as this notebook (German), or ``None``."""
    if not content:
        return "Leere Datei."
    try:
        notebook = nbformat.reads(content.decode("utf-8"), as_version=4)
    except Exception as error:  # noqa: BLE001 - any unreadable file is reported, never raised
        return f"Kein gültiges Notebook ({type(error).__name__})."
    ids = {cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") for cell in notebook.cells}
    if solution_ids and not solution_ids & ids:
        return "Gehört nicht zu dieser Aufgabe (keine ihrer Lösungszellen gefunden)."
    return None


def read_submitted_file(intake: Intake, student: str, path: Path) -> bytes:
    """A notebook of the intake: the student's own below their folder without links, or the course's blank."""
    folder = intake.folders.get(student)
    if folder is not None and path.is_relative_to(folder):
        return read_regular_file(folder, path.relative_to(folder), MAX_NOTEBOOK_BYTES)
    return path.read_bytes()  # the released notebook, the course's own


def hand_in(course: Path, assignment: str, intake: Intake) -> None:
    """Write every student's notebooks and submission time to ``submitted/<student>/<assignment>/``.

    A student's file replaced by the blank notebook is kept beside it as ``<name>.original`` when it
    can be read safely. ``timestamp.txt`` is the plausible time of the intake, or absent.
    """
    for student, files in intake.submissions.items():
        folder = course / "submitted" / student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        for notebook, path in files.items():
            write_file(folder / f"{notebook}.ipynb", read_submitted_file(intake, student, path))
            original = intake.replaced.get(student, {}).get(notebook)
            if original is not None:
                try:
                    write_file(folder / f"{notebook}.ipynb.original", read_submitted_file(intake, student, original))
                except UnsafeFile:
                    pass  # listed by check_notebooks already
        if student in intake.timestamps:
            write_file(folder / TIMESTAMP_FILE, intake.timestamps[student].encode())
        else:
            (folder / TIMESTAMP_FILE).unlink(missing_ok=True)


def write_file(target: Path, content: bytes) -> None:
    """Replace ``target`` by a new regular file holding ``content`` (never writing through a link there)."""
    target.unlink(missing_ok=True)
    with open(target, "xb") as file:
        file.write(content)
