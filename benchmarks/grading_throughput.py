"""Class grading throughput: plain sequential ``nbgrader autograde`` against the grading command.

    python benchmarks/grading_throughput.py [--assignment 01_gezielt_overfitten] [--sizes 1 8 32]

For each class size N, N copies of the solution are graded once by ``nbgrader autograde`` (one
student after the other, no sandbox) and once by ``coursetools.grade`` (sandboxed, in parallel).
Also prints one submission's grading time relative to executing its notebook with nbconvert.
Measures only; no test enforces these numbers.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from coursetools.generate import COURSE_ROOT, solution_notebook
from coursetools.grade import Settings, ensure_assignment, grade_class, intake_folder


def course_with(assignment: str, directory: Path) -> Path:
    course = directory / "course"
    shutil.copytree(COURSE_ROOT / "source" / assignment, course / "source" / assignment)
    shutil.copy(COURSE_ROOT / "nbgrader_config.py", course)
    ensure_assignment(course, assignment)
    return course


def execute_seconds(notebook: Path) -> float:
    with tempfile.TemporaryDirectory() as scratch:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
                        "--output-dir", scratch, str(notebook)], check=True, capture_output=True)
        return time.perf_counter() - started


def hand_in_copies(course: Path, assignment: str, solved: nbformat.NotebookNode, size: int) -> Path:
    class_dir = course / "class"
    shutil.rmtree(class_dir, ignore_errors=True)
    for number in range(size):
        (class_dir / f"s{number:03d}").mkdir(parents=True)
        nbformat.write(solved, class_dir / f"s{number:03d}" / f"{assignment}.ipynb")
    return class_dir


def sequential_seconds(course: Path, assignment: str, class_dir: Path) -> float:
    shutil.rmtree(course / "submitted", ignore_errors=True)
    for student in class_dir.iterdir():
        shutil.copytree(student, course / "submitted" / student.name / assignment)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "nbgrader", "autograde", assignment, "--force"], cwd=course,
                   check=True, capture_output=True)
    return time.perf_counter() - started


def command_seconds(course: Path, assignment: str, class_dir: Path) -> float:
    shutil.rmtree(course / "submitted", ignore_errors=True)
    started = time.perf_counter()
    grade_class(course, assignment, intake_folder(class_dir, [assignment]), Settings(), course / "grades")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assignment", default="01_gezielt_overfitten")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--repeat", type=int, default=3, help="runs of the notebook execution baseline")
    args = parser.parse_args()
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores; assignment {args.assignment}\n")
    with tempfile.TemporaryDirectory() as directory:
        course = course_with(args.assignment, Path(directory))
        source = course / "source" / args.assignment / f"{args.assignment}.ipynb"
        solved = solution_notebook(nbformat.read(source, as_version=4))
        solved_path = Path(directory) / f"{args.assignment}.ipynb"
        nbformat.write(solved, solved_path)
        executions = [execute_seconds(solved_path) for _ in range(args.repeat)]
        execute = statistics.median(executions)
        print(f"Executing the solution notebook (nbconvert, cold): median {execute:.1f} s "
              f"({min(executions):.1f}–{max(executions):.1f} s, {args.repeat} runs)\n")
        rows, one_submission = [], None
        for size in args.sizes:
            class_dir = hand_in_copies(course, args.assignment, solved, size)
            sequential = sequential_seconds(course, args.assignment, class_dir)
            command = command_seconds(course, args.assignment, class_dir)
            rows.append(f"| {size} | {sequential:.1f} s | {60 * size / sequential:.1f} | {command:.1f} s "
                        f"| {60 * size / command:.1f} | {sequential / command:.2f}× |")
            print(rows[-1], file=sys.stderr, flush=True)
            if size == 1:
                one_submission = command / execute
        print("| students | nbgrader autograde, sequential | students/min | grading command | students/min "
              "| speed-up |\n|---|---|---|---|---|---|")
        print("\n".join(rows))
        if one_submission is not None:
            print(f"\nOne submission with the grading command: {one_submission:.2f}× its notebook's execution.")

if __name__ == "__main__":
    main()
