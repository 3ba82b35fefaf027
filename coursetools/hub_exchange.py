"""nbgrader's exchange on a shared server, with permissions that keep students apart.

nbgrader's documentation asks for an exchange root with ``ugo+rw``: then any student can rename
the course's folder in it and so take the course over. Here:

- the root is ``1777`` (sticky: only an entry's owner may rename or delete it), owned by root;
- ``<root>/<course_id>`` and its ``outbound`` (released assignments) belong to the instructor, ``0755``;
- ``inbound`` is ``3733``: students may create their submission folders but neither list the folder
  nor rename or delete other students' submissions (sticky), and submissions get the instructor's
  group (setgid);
- ``feedback`` is ``0711``: nobody lists it; after ``nbgrader release_feedback`` each released file
  is given to its student and made ``0400`` (:func:`restrict_feedback`), so that only that student
  (and root) can read it, not everyone who learns the file's name.

nbgrader names released feedback after the ``submission_secret.txt`` that ``nbgrader submit`` puts
into each submission; the grading command copies only notebooks from the exchange, so
:func:`carry_submission_secrets` brings each graded submission's secret (and time) to its
generated feedback before it is released.
"""
from __future__ import annotations

import os
import pwd
from pathlib import Path

from nbgrader.utils import notebook_hash

from .intake import (INBOUND_NAME, STUDENT_ID, TIMESTAMP_FILE, UnsafeFile, nbgrader_timestamp, parse_timestamp,
                     read_regular_file)

SECRET_FILE = "submission_secret.txt"
MAX_SECRET_BYTES = 1000

ROOT_MODE = 0o1777
COURSE_MODE = 0o755
OUTBOUND_MODE = 0o755
INBOUND_MODE = 0o3733
FEEDBACK_MODE = 0o711
RELEASED_FEEDBACK_MODE = 0o400


def prepare_exchange(root: Path, course_id: str, instructor: str) -> Path:
    """Create (or repair) the exchange for one course; return ``<root>/<course_id>``. Needs root."""
    account = pwd.getpwnam(instructor)
    root.mkdir(parents=True, exist_ok=True)
    os.chown(root, 0, 0)
    os.chmod(root, ROOT_MODE)
    course = root / course_id
    for folder, mode in ((course, COURSE_MODE), (course / "outbound", OUTBOUND_MODE),
                         (course / "inbound", INBOUND_MODE), (course / "feedback", FEEDBACK_MODE)):
        folder.mkdir(exist_ok=True)
        os.chown(folder, account.pw_uid, account.pw_gid)
        os.chmod(folder, mode)
    return course


def restrict_feedback(course_dir: Path, exchange_course: Path, assignment: str) -> dict[str, list[Path]]:
    """Give each released feedback file of ``assignment`` to its student, readable only by them. Needs root.

    nbgrader names a released file after a hash of the submission's secret and the notebook's
    name; the secret lies beside the generated feedback in ``<course>/feedback/<student>/<assignment>/``.
    Returns the files per student.
    """
    given: dict[str, list[Path]] = {}
    for folder in sorted((course_dir / "feedback").glob(f"*/{assignment}")):
        student = folder.parent.name
        secret_file = folder / "submission_secret.txt"
        if not secret_file.is_file():
            continue
        secret = secret_file.read_text()
        account = pwd.getpwnam(student)
        for page in sorted(folder.glob("*.html")):
            released = exchange_course / "feedback" / f"{notebook_hash(secret=secret, notebook_id=page.stem)}.html"
            if released.is_file() and not released.is_symlink():
                os.chown(released, account.pw_uid, account.pw_gid, follow_symlinks=False)
                os.chmod(released, RELEASED_FEEDBACK_MODE)
                given.setdefault(student, []).append(released)
    return given


def newest_submissions(inbound: Path, assignment: str) -> dict[str, Path]:
    """Each student's newest submission folder of ``assignment``, chosen as the grading command chooses it."""
    newest: dict[str, tuple] = {}
    for entry in os.scandir(inbound):
        match = INBOUND_NAME.match(entry.name)
        if match is None or match["assignment"] != assignment or not STUDENT_ID.match(match["student"]):
            continue
        if entry.is_symlink() or not entry.is_dir(follow_symlinks=False):
            continue
        try:
            moment = parse_timestamp(match["timestamp"])
        except ValueError:
            continue
        if match["student"] not in newest or moment > newest[match["student"]][0]:
            newest[match["student"]] = (moment, Path(entry.path))
    return {student: folder for student, (_, folder) in newest.items()}


def carry_submission_secrets(course_dir: Path, exchange_course: Path, assignment: str) -> list[str]:
    """Put each graded submission's secret and time beside its generated feedback; return the students served.

    Run after ``nbgrader generate_feedback`` and before ``nbgrader release_feedback``. The secret is
    read without following links (it lies in a folder the student wrote).
    """
    served = []
    for student, folder in sorted(newest_submissions(exchange_course / "inbound", assignment).items()):
        feedback = course_dir / "feedback" / student / assignment
        if not feedback.is_dir():
            continue
        try:
            secret = read_regular_file(folder, Path(SECRET_FILE), MAX_SECRET_BYTES)
        except UnsafeFile:
            continue
        (feedback / SECRET_FILE).write_bytes(secret)
        if not (feedback / TIMESTAMP_FILE).exists():
            moment = parse_timestamp(INBOUND_NAME.match(folder.name)["timestamp"])
            (feedback / TIMESTAMP_FILE).write_text(nbgrader_timestamp(moment))
        served.append(student)
    return served
