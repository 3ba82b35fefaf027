"""Grade a whole class with one command: intake, sandboxed parallel autograding, grades and feedback.

    python -m coursetools.grade 02_regularisieren --from-exchange
    python -m coursetools.grade 02_regularisieren --from-folder ~/classroom/02-repos
    python -m coursetools.grade 02_regularisieren --from-zip lms-download.zip

1. *Intake* (:mod:`coursetools.intake`). Submissions come from nbgrader's exchange (collected by
   the intake itself, newest submission per student), from a folder with one folder per student
   (e.g. the students' repositories cloned from GitHub Classroom; the notebooks may lie anywhere
   inside), or from an LMS zip (the same layout zipped, or flat files ``<student>_<notebook>.ipynb``).
   No link is followed and only regular files are read. Each notebook is copied to
   ``submitted/<student>/<assignment>/``, with ``timestamp.txt`` only when the submission time is
   plausible (it is the student's claim, see the intake's docstring). Links, special files and
   files with unknown names are listed as problems by name and skipped; an empty file, a file that
   is not a notebook, one too large and a notebook of another assignment are listed, and the blank
   released notebook is graded in their place (0 points, but the student is in the gradebook).
   Submissions whose code reaches into the interpreter (:mod:`coursetools.code_scan`) are listed
   for manual review.
2. *Execution, in parallel.* The reference solution first (:mod:`coursetools.reference`: when it
   does not get full marks, the command stops before anything is recorded), then each student,
   autograded by nbgrader in a scratch course of their own, test cells restored as released
   (:mod:`coursetools.restore_cells`), with
   its own copy of the gradebook (so no two processes ever write one SQLite file), each test
   cell decided by its verdict outside the student's process (:mod:`coursetools.verdicts`), with
   the kernel in a sandbox (:mod:`coursetools.sandbox`): timeouts per cell and per submission, one
   memory budget and process cap per submission (a cgroup where the machine allows one), the CPUs
   of its grading slot, no privileges, no network, no view of the course, the gradebook or other
   students.
3. *Recording, sequentially.* One ``nbgrader autograde`` run in the course reads the executed
   notebooks and writes every score into the course's gradebook (the only writer), so the
   Formgrader shows them for manual grading.
4. *Report.* ``grades.csv`` (student, assignment, notebook, score, max score), one German feedback
   page per student (``feedback/<student>.html``: which tests failed and why) and ``problems.csv``.
"""
from __future__ import annotations

import argparse
import csv
import html
import os
import queue
import shutil
import tempfile
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from tqdm import tqdm

from .intake import (Intake, Problem, check_notebooks, hand_in, intake_exchange, intake_folder, intake_zip,
                     notebook_names)
from .nbgrader_runner import NbgraderError, NbgraderTimeout, nbgrader
from .reference import REFERENCE, failed_cells, reference_submission, remember_time, submission_timeout
from .restore_cells import restore_file
from .cgroups import Cgroup, CgroupLimits, cgroup_unavailable_reason, create_cgroup
from .sandbox import Limits, slot_cpu_sets
from .spreadsheet import safe_cell

GRADING_DIR = ".grading"
"""Working folder of the command in the course: step 3's config and the executed notebooks."""
STAGING = f"{GRADING_DIR}/executed"
"""Where the executed notebooks wait for step 3 (relative to the course)."""


@dataclass(frozen=True)
class Settings:
    """How submissions are executed."""

    jobs: int = max(1, os.cpu_count() or 1)
    cell_timeout: int = 300
    submission_timeout: int | None = None
    """Wall-clock seconds for all notebooks of one submission, kernel starts included; ``None``: five times
    the reference's last grading time plus two minutes (:func:`coursetools.reference.submission_timeout`)."""
    memory_bytes: int = Limits.memory_bytes
    cpu_seconds: int = Limits.cpu_seconds


# ------------------------------------------------------------------------------------------- execution

@dataclass(frozen=True)
class Execution:
    student: str
    seconds: float
    error: str | None


def execute_student(course: Path, assignment: str, student: str, submitted: Path, gradebook: Path, scratch: Path,
                    database: Path, settings: Settings, cpus: tuple[int, ...]) -> Execution:
    """Autograde the notebooks in ``submitted`` in a scratch course of their own; copy the executed ones to staging.

    The scratch course's gradebook is ``database``, a copy of ``gradebook`` (see :func:`ram_folder`).

    The kernel runs on ``cpus`` (the grading slot's CPU set) and, where the machine allows it, in a
    cgroup of this submission's own, which is removed with everything left in it afterwards.
    """
    started = time.monotonic()
    for name in ("work", "run"):
        (scratch / name).mkdir(parents=True)
    shutil.copytree(course / "source" / assignment, scratch / "source" / assignment)
    shutil.copytree(submitted, scratch / "submitted" / student / assignment)
    for path in submitted.iterdir():
        if path.is_file() and path.suffix != ".ipynb" and path.name != "timestamp.txt":
            shutil.copy(path, scratch / "work")  # the student's own files, beside the notebook as at home
    for path in (scratch / "submitted" / student / assignment).glob("*.ipynb"):
        restore_file(path, course / "release" / assignment / path.name)
    shutil.copyfile(gradebook, database)
    cgroup = create_cgroup(scratch.name, CgroupLimits(settings.memory_bytes, Limits.max_processes, cpus))
    (scratch / "nbgrader_config.py").write_text(scratch_config(course, assignment, scratch, database, settings,
                                                                   cpus, cgroup))
    error = None
    try:
        nbgrader(scratch, "autograde", assignment, "--student", student, "--force",
                 timeout=settings.submission_timeout)
    except NbgraderTimeout:
        error = f"Abbruch nach {settings.submission_timeout} s Gesamtzeit."
    except NbgraderError as failure:
        error = f"nbgrader konnte die Abgabe nicht bewerten: {failure}"
    finally:
        if cgroup is not None:
            cgroup.remove()
    staging = course / STAGING / student / assignment
    staging.mkdir(parents=True, exist_ok=True)
    if error is None:
        for path in (scratch / "autograded" / student / assignment).glob("*.ipynb"):
            shutil.copyfile(path, staging / path.name)
    if (submitted / "timestamp.txt").exists():
        shutil.copyfile(submitted / "timestamp.txt", staging / "timestamp.txt")
    shutil.rmtree(scratch, ignore_errors=True)
    database.unlink(missing_ok=True)
    return Execution(student, time.monotonic() - started, error)


def scratch_config(course: Path, assignment: str, scratch: Path, database: Path, settings: Settings,
                   cpus: tuple[int, ...], cgroup: Cgroup | None = None) -> str:
    """nbgrader config of a scratch course: the course's own, with the sandboxed executor and the verdicts."""
    return "\n".join([
        f"exec(compile(open({str(course / 'nbgrader_config.py')!r}).read(), 'nbgrader_config.py', 'exec'))",
        "from nbconvert.preprocessors import ClearMetadataPreprocessor",
        "from nbgrader.preprocessors import AssignLatePenalties, CheckCellMetadata, IgnorePattern, LimitOutput, "
        "SaveAutoGrades",
        "from coursetools.sandbox import SandboxedExecute",
        f"c.CourseDirectory.root = {str(scratch)!r}",
        f"c.CourseDirectory.db_url = {'sqlite:///' + str(database)!r}",
        "c.OverwriteCells.add_missing_cells = True",
        "c.Autograde.autograde_preprocessors = [SandboxedExecute, IgnorePattern, ClearMetadataPreprocessor, "
        "LimitOutput, SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]",
        f"c.SandboxedExecute.workdir = {str(scratch / 'work')!r}",
        f"c.SandboxedExecute.runtime_dir = {str(scratch / 'run')!r}",
        f"c.SandboxedExecute.verdicts_dir = {str(course / 'verdicts' / assignment)!r}",
        f"c.SandboxedExecute.timeout = {settings.cell_timeout}",
        f"c.SandboxedExecute.memory_bytes = {settings.memory_bytes}",
        f"c.SandboxedExecute.cpu_seconds = {settings.cpu_seconds}",
        f"c.SandboxedExecute.cpus = {list(cpus)}",
        f"c.SandboxedExecute.cgroup_version = {cgroup.version if cgroup else 0}",
        f"c.SandboxedExecute.cgroup_folders = {[str(folder) for folder in cgroup.folders] if cgroup else []}",
        "",
    ])


def record_config(course: Path) -> str:
    """nbgrader config for step 3: take the executed notebooks from staging, keep outputs, run nothing.

    nbgrader reads it from its working folder, then the course's own config from the course root.
    """
    return "\n".join([
        f"c.CourseDirectory.root = {str(course)!r}",
        "from nbconvert.preprocessors import ClearMetadataPreprocessor",
        "from nbgrader.preprocessors import AssignLatePenalties, CheckCellMetadata, DeduplicateIds, IgnorePattern, "
        "LimitOutput, OverwriteCells, OverwriteKernelspec, SaveAutoGrades",
        f"c.CourseDirectory.submitted_directory = {STAGING!r}",
        "c.Autograde.sanitize_preprocessors = [DeduplicateIds, OverwriteKernelspec, OverwriteCells, CheckCellMetadata]",
        "c.Autograde.autograde_preprocessors = [IgnorePattern, ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades, "
        "AssignLatePenalties, CheckCellMetadata]",
        "",
    ])


def run_nbgrader(course: Path, *arguments: str) -> None:
    """Run an nbgrader command in ``course``; stop the grading command with its error when it fails."""
    try:
        nbgrader(course, *arguments)
    except NbgraderError as error:
        raise SystemExit(f"nbgrader {' '.join(arguments)} ist gescheitert: {error}") from error


def limits_summary(settings: Settings) -> str:
    """One German line for the grader's output: which limits hold per submission on this machine."""
    probe = create_cgroup("probe", CgroupLimits(settings.memory_bytes, Limits.max_processes, ()))
    memory = f"{settings.memory_bytes / 2**30:g} GiB"
    timeout = f"{settings.submission_timeout} s pro Abgabe, {settings.cell_timeout} s pro Zelle"
    if probe is not None:
        probe.remove()
        return (f"Grenzen je Abgabe (cgroup v{probe.version}): {memory} Speicher für alle Prozesse zusammen "
                f"(mit /tmp und Shared Memory), höchstens {Limits.max_processes} Prozesse und Threads, "
                f"eigene CPUs; {timeout}.")
    processes = ("kein Prozess-Limit (RLIMIT_NPROC gilt nicht für root)" if os.geteuid() == 0
                 else f"höchstens {Limits.max_processes} Prozesse und Threads")
    return (f"Grenzen nur je Prozess – {cgroup_unavailable_reason()}: {memory} Heap, /tmp und /dev/shm je "
            f"{Limits(settings.memory_bytes).tmpfs_bytes / 2**30:g} GiB, {processes}; {timeout}.")


def ram_folder() -> str | None:
    """``/dev/shm`` where it is a writable folder, else ``None`` (the system's temporary folder).

    The scratch gradebooks live there: nbgrader commits some 50 times per submission, and on a
    disk each commit waits for its fsync (about 18 ms here), time in which the slot grades nothing.
    They are copies for one run; the course's own gradebook stays where it is, committed safely.
    """
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None


def execute_all(course: Path, assignment: str, students: list[str], settings: Settings) -> list[Execution]:
    """Step 2: autograde the reference and every student in parallel, each in a scratch course and a sandbox.

    The reference goes first; when it loses points, no further submission is started and the
    command stops with the failed cells (:func:`check_reference`): nothing is recorded.
    """
    shutil.rmtree(course / STAGING, ignore_errors=True)
    jobs = max(1, min(settings.jobs, len(students) + 1))
    print(limits_summary(settings))
    free_slots: queue.Queue[tuple[int, ...]] = queue.Queue()
    for cpus in slot_cpu_sets(jobs):
        free_slots.put(cpus)

    with (tempfile.TemporaryDirectory(prefix="dlkurs-grade-") as scratch_root,
          tempfile.TemporaryDirectory(prefix="dlkurs-gradebooks-", dir=ram_folder()) as databases):
        scratch_root, databases = Path(scratch_root), Path(databases)
        template = databases / "gradebook.db"
        shutil.copyfile(course / "gradebook.db", template)
        reference_dir = scratch_root / "reference"
        reference_dir.mkdir()
        for notebook in notebook_names(course, assignment):
            nbformat.write(reference_submission(course, assignment, notebook), reference_dir / f"{notebook}.ipynb")

        def in_a_slot(number: int, student: str, submitted: Path) -> Execution:
            """Grade one submission on the CPUs of a free slot: one submission per slot at a time.

            Scratch folders are numbered, not named after students: the kernel's socket paths must
            stay short (Unix sockets allow about 100 characters).
            """
            cpus = free_slots.get()
            try:
                return execute_student(course, assignment, student, submitted, template,
                                       scratch_root / f"{number:04d}", databases / f"{number:04d}.db", settings, cpus)
            finally:
                free_slots.put(cpus)

        with ThreadPoolExecutor(max_workers=jobs) as pool:
            reference = pool.submit(in_a_slot, 0, REFERENCE, reference_dir)
            futures = [pool.submit(in_a_slot, number, student, course / "submitted" / student / assignment)
                       for number, student in enumerate(students, start=1)]
            try:
                check_reference(course, assignment, reference.result())
            except SystemExit:
                for future in futures:
                    future.cancel()
                raise
            progress = tqdm(as_completed(futures), total=len(futures), desc=f"Bewerten ({jobs} parallel)",
                            unit="Abgabe")
            return sorted((future.result() for future in progress), key=lambda execution: execution.student)


def check_reference(course: Path, assignment: str, execution: Execution) -> None:
    """Stop the command when the reference solution did not get full marks; else remember its time."""
    staged = course / STAGING / REFERENCE
    failures = {}
    if execution.error is None:
        for path in sorted((staged / assignment).glob("*.ipynb")):
            failures |= {f"{path.stem}: {cell}": message for cell, message in failed_cells(path).items()}
    shutil.rmtree(staged, ignore_errors=True)
    if execution.error is not None or failures:
        details = execution.error or "; ".join(f"{cell} ({message})" if message else cell
                                               for cell, message in failures.items())
        raise SystemExit(
            f"Die Musterlösung von {assignment} bekommt in der Sandbox nicht die volle Punktzahl, also würden alle "
            f"Abgaben falsch bewertet. Nichts wurde eingetragen. Fehlgeschlagen: {details}. Prüfen Sie die Umgebung "
            f"(python -c 'import dlkurs'), die Daten (make data) und die Grenzen (--memory-gib, --cell-timeout).")
    remember_time(course / GRADING_DIR, assignment, execution.seconds)


def record_all(course: Path, assignment: str) -> str | None:
    """Step 3: one nbgrader run writes all scores into the course's gradebook. Returns its error, if any."""
    grading = course / GRADING_DIR
    (grading / "nbgrader_config.py").write_text(record_config(course))
    try:
        nbgrader(grading, "autograde", assignment, "--force")
    except NbgraderError as error:
        return str(error)
    return None


def ensure_assignment(course: Path, assignment: str) -> None:
    """Generate the assignment if the gradebook does not know it or its release is missing.

    Grading needs both: the gradebook's test cells and the released notebooks (blank submissions,
    the metadata each cell was handed out with).
    """
    released = all((course / "release" / assignment / f"{name}.ipynb").exists()
                   for name in notebook_names(course, assignment))
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        try:
            gradebook.find_assignment(assignment)
            registered = True
        except MissingEntry:
            registered = False
    if not (registered and released):
        run_nbgrader(course, "generate_assignment", assignment, "--force")


# ---------------------------------------------------------------------------------------------- report

@dataclass(frozen=True)
class CellResult:
    grade_id: str
    score: float
    max_score: float
    manual: bool
    message: str


@dataclass(frozen=True)
class NotebookResult:
    student: str
    notebook: str
    score: float
    max_score: float
    cells: tuple[CellResult, ...]


def read_results(course: Path, assignment: str, students: Iterable[str], notebooks: list[str]) -> list[NotebookResult]:
    """Scores per student and notebook from the course's gradebook, with the messages of failed tests."""
    results = []
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for student in students:
            for notebook in notebooks:
                try:
                    submission = gradebook.find_submission_notebook(notebook, assignment, student)
                except MissingEntry:
                    maximum = gradebook.find_notebook(notebook, assignment).max_score
                    results.append(NotebookResult(student, notebook, 0.0, maximum, ()))
                    continue
                messages = error_messages(course / "autograded" / student / assignment / f"{notebook}.ipynb")
                cells = tuple(
                    CellResult(grade.name, grade.score, grade.max_score, grade.auto_score is None,
                               messages.get(grade.name, ""))
                    for grade in sorted(submission.grades, key=lambda grade: grade.name)
                )
                results.append(NotebookResult(student, notebook, submission.score, submission.max_score, cells))
    return results


def error_messages(path: Path) -> dict[str, str]:
    """``grade_id`` → the error of that cell in an autograded notebook (e.g. an assert's message)."""
    if not path.exists():
        return {}
    messages = {}
    for cell in nbformat.read(path, as_version=4).cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        errors = [output for output in cell.get("outputs", []) if output.output_type == "error"]
        if grade_id and errors:
            messages[grade_id] = "; ".join(f"{error.ename}: {error.evalue}".strip() for error in errors)[:1000]
    return messages


def write_grades_csv(path: Path, assignment: str, results: list[NotebookResult]) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["student", "assignment", "notebook", "score", "max_score"])
        for result in results:
            writer.writerow(map(safe_cell, [result.student, assignment, result.notebook, f"{result.score:g}",
                                            f"{result.max_score:g}"]))


def write_problems_csv(path: Path, problems: list[Problem]) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["student", "file", "reason"])
        for problem in problems:
            writer.writerow(map(safe_cell, [problem.student, problem.file, problem.reason]))


def feedback_html(student: str, assignment: str, results: list[NotebookResult], problems: list[Problem]) -> str:
    """A German feedback page: points per notebook, each test passed or failed with its message."""
    escape = html.escape
    parts = [
        "<!DOCTYPE html>", '<html lang="de"><head><meta charset="utf-8">',
        f"<title>Rückmeldung {escape(assignment)} – {escape(student)}</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}table{border-collapse:collapse;width:100%}"
        "td,th{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}"
        ".ok{color:#1a7f37}.fail{color:#cf222e}.manual{color:#666}</style></head><body>",
        f"<h1>Rückmeldung zu {escape(assignment)}</h1>", f"<p>Studierende/r: <b>{escape(student)}</b></p>",
    ]
    if problems:
        parts.append("<h2>Probleme mit der Abgabe</h2><ul>")
        parts += [f"<li>{escape(problem.file or '(Abgabe)')}: {escape(problem.reason)}</li>" for problem in problems]
        parts.append("</ul>")
    for result in results:
        parts.append(f"<h2>{escape(result.notebook)}.ipynb: {result.score:g} von {result.max_score:g} Punkten</h2>")
        if not result.cells:
            parts.append("<p>Dieses Notebook wurde nicht bewertet (fehlt, ist ungültig oder die Ausführung scheiterte): "
                         "0 Punkte.</p>")
            continue
        parts.append("<table><tr><th>Test</th><th>Punkte</th><th>Ergebnis</th></tr>")
        for cell in result.cells:
            if cell.manual:
                verdict = '<span class="manual">wird von Hand bewertet</span>'
            elif cell.score >= cell.max_score:  # nbgrader: a test cell scores full marks exactly when it ran without error
                verdict = '<span class="ok">bestanden</span>'
            else:
                verdict = f'<span class="fail">nicht bestanden</span><br>{escape(cell.message)}'
            parts.append(f"<tr><td>{escape(cell.grade_id)}</td><td>{cell.score:g} / {cell.max_score:g}</td>"
                         f"<td>{verdict}</td></tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


# ------------------------------------------------------------------------------------------------ main

def grade_class(course: Path, assignment: str, intake: Intake, settings: Settings, out: Path) -> list[NotebookResult]:
    """Grade every submission of ``intake``; write grades.csv, problems.csv and feedback/ to ``out``."""
    notebooks = notebook_names(course, assignment)
    ensure_assignment(course, assignment)
    check_notebooks(course, assignment, intake)
    hand_in(course, assignment, intake)
    students = sorted(intake.submissions)
    if settings.submission_timeout is None:
        settings = replace(settings, submission_timeout=submission_timeout(course / GRADING_DIR, assignment))
    executions = execute_all(course, assignment, students, settings) if students else []
    problems = list(intake.problems)
    problems += [Problem(execution.student, "", execution.error) for execution in executions if execution.error]
    if students:
        error = record_all(course, assignment)
        if error:
            problems.append(Problem("", "", f"nbgrader meldete beim Eintragen: {error}"))
    everyone = sorted(set(students) | {problem.student for problem in problems if problem.student})
    results = read_results(course, assignment, everyone, notebooks)
    out.mkdir(parents=True, exist_ok=True)
    (out / "feedback").mkdir(exist_ok=True)
    write_grades_csv(out / "grades.csv", assignment, results)
    write_problems_csv(out / "problems.csv", problems)
    for student in everyone:
        page = feedback_html(student, assignment, [result for result in results if result.student == student],
                             [problem for problem in problems if problem.student == student])
        (out / "feedback" / f"{student}.html").write_text(page, encoding="utf-8")
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("assignment", help="e.g. 02_regularisieren")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--from-exchange", action="store_true", help="the newest submission per student from nbgrader's exchange")
    source.add_argument("--from-folder", type=Path, help="a folder with one folder per student")
    source.add_argument("--from-zip", type=Path, help="an LMS zip download")
    parser.add_argument("--course", type=Path, default=Path.cwd(), help="the course folder (default: here)")
    parser.add_argument("--out", type=Path, help="where grades.csv, problems.csv, feedback/ go "
                                                 "(default: <course>/grades/<assignment>)")
    parser.add_argument("--jobs", type=int, default=Settings.jobs, help="submissions graded in parallel")
    parser.add_argument("--cell-timeout", type=int, default=Settings.cell_timeout, help="seconds per cell")
    parser.add_argument("--memory-gib", type=float, default=Settings.memory_bytes / 2**30,
                        help="memory limit per submission")
    parser.add_argument("--cpu-seconds", type=int, default=Settings.cpu_seconds, help="CPU-time limit per process")
    parser.add_argument("--submission-timeout", type=int,
                        help="wall-clock seconds per submission, all its notebooks together (default: five times "
                             "the reference solution's last grading time plus two minutes; 900 before it was timed)")
    args = parser.parse_args(argv)
    course = args.course.resolve()
    notebooks = notebook_names(course, args.assignment)
    with tempfile.TemporaryDirectory(prefix="dlkurs-intake-") as unpacked:
        if args.from_exchange:
            intake = intake_exchange(course, args.assignment, notebooks, Path(unpacked))
        elif args.from_folder:
            intake = intake_folder(args.from_folder.resolve(), notebooks)
        else:
            intake = intake_zip(args.from_zip.resolve(), notebooks, Path(unpacked))
        settings = Settings(jobs=args.jobs, cell_timeout=args.cell_timeout,
                            submission_timeout=args.submission_timeout,
                            memory_bytes=int(args.memory_gib * 2**30), cpu_seconds=args.cpu_seconds)
        out = (args.out or course / "grades" / args.assignment).resolve()
        started = time.monotonic()
        results = grade_class(course, args.assignment, intake, settings, out)
    students = {result.student for result in results}
    print(f"{len(students)} Abgaben in {time.monotonic() - started:.0f} s bewertet. Noten: {out / 'grades.csv'}, "
          f"Rückmeldungen: {out / 'feedback'}, Probleme: {out / 'problems.csv'}")
    for problem in intake.problems:
        print(f"  Problem: {problem.student or '-'} {problem.file}: {problem.reason}")


if __name__ == "__main__":
    main()
