"""Class grading throughput: plain sequential ``nbgrader autograde`` against the grading command.

    python benchmarks/grading_throughput.py [--assignment 01_gezielt_overfitten] [--sizes 1 8 32] [--repeats 3 3 1]

For each class size N, N copies of the solution are graded by ``nbgrader autograde`` (one student
after the other, no sandbox) and by ``coursetools.grade`` (sandboxed, in parallel), as often as
``--repeats`` says for that size (median and range). Also prints one submission's grading time
relative to executing its notebook with nbconvert, and plots the grading time against the class
size (``grading_throughput.png``). Measures only; no test enforces these numbers.
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

import matplotlib
import nbformat

from coursetools.generate import COURSE_ROOT, solution_notebook
from coursetools.grade import ensure_assignment
from notebook_times import execute_seconds

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 (after choosing the backend)


def course_with(assignment: str, directory: Path) -> Path:
    course = directory / "course"
    shutil.copytree(COURSE_ROOT / "source" / assignment, course / "source" / assignment)
    shutil.copytree(COURSE_ROOT / "verdicts" / assignment, course / "verdicts" / assignment)
    shutil.copy(COURSE_ROOT / "nbgrader_config.py", course)
    ensure_assignment(course, assignment)
    return course


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
    """The grading command as an instructor runs it: a fresh process (its start and imports count)."""
    shutil.rmtree(course / "submitted", ignore_errors=True)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "coursetools.grade", assignment, "--from-folder", str(class_dir),
                    "--course", str(course)], check=True, capture_output=True)
    return time.perf_counter() - started


def spread(times: list[float]) -> str:
    """Median and range of some timings, e.g. ``102.5 s (98.1–110.2)``."""
    if len(times) == 1:
        return f"{times[0]:.1f} s"
    return f"{statistics.median(times):.1f} s ({min(times):.1f}–{max(times):.1f})"


def plot(sizes: list[int], sequential: list[float], command: list[float], execute: float, path: Path) -> None:
    """Seconds to grade a class against its size, beside a reference: N cold notebook runs spread over the cores."""
    figure, axes = plt.subplots(figsize=(6, 3.5))
    axes.plot(sizes, sequential, "o-", label="nbgrader autograde, sequential")
    axes.plot(sizes, command, "s-", label="grading command (sandboxed, parallel)")
    axes.plot(sizes, [size * execute / (os.cpu_count() or 1) for size in sizes], "k--", linewidth=1,
              label=f"reference: N cold notebook runs (nbconvert) ÷ {os.cpu_count()} cores")
    axes.set_xlabel("students")
    axes.set_ylabel("seconds (median)")
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assignment", default="01_gezielt_overfitten")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--repeats", type=int, nargs="+", default=[3, 3, 1], help="runs per class size")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the notebook execution baseline")
    parser.add_argument("--plot", type=Path, default=Path(__file__).with_name("grading_throughput.png"))
    args = parser.parse_args()
    if len(args.repeats) != len(args.sizes):
        parser.error("--repeats needs one number per class size")
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores; assignment {args.assignment}\n")
    with tempfile.TemporaryDirectory() as directory:
        course = course_with(args.assignment, Path(directory))
        source = course / "source" / args.assignment / f"{args.assignment}.ipynb"
        solved = solution_notebook(nbformat.read(source, as_version=4))
        solved_path = Path(directory) / f"{args.assignment}.ipynb"
        nbformat.write(solved, solved_path)
        executions = [execute_seconds(solved_path) for _ in range(args.repeat)]
        execute = statistics.median(executions)
        print(f"Executing the solution notebook (nbconvert, cold): {spread(executions)}, {args.repeat} runs\n")
        rows, medians = [], {"sequential": [], "command": []}
        for size, repeats in zip(args.sizes, args.repeats):
            class_dir = hand_in_copies(course, args.assignment, solved, size)
            sequential, command = [], []
            for _ in range(repeats):
                sequential.append(sequential_seconds(course, args.assignment, class_dir))
                command.append(command_seconds(course, args.assignment, class_dir))
            medians["sequential"].append(statistics.median(sequential))
            medians["command"].append(statistics.median(command))
            rows.append(f"| {size} | {repeats} | {spread(sequential)} | {60 * size / medians['sequential'][-1]:.1f} "
                        f"| {spread(command)} | {60 * size / medians['command'][-1]:.1f} "
                        f"| {medians['sequential'][-1] / medians['command'][-1]:.2f}× |")
            print(rows[-1], file=sys.stderr, flush=True)
        print("| students | runs | nbgrader autograde, sequential | students/min | grading command | students/min "
              "| speed-up |\n|---|---|---|---|---|---|---|")
        print("\n".join(rows))
        if 1 in args.sizes:
            one = medians["command"][args.sizes.index(1)]
            print(f"\nA class of one, graded by the command from a fresh process: {one / execute:.2f}× its "
                  "notebook's execution (start, imports and recording included).")
        if len(args.sizes) >= 2:
            (small, large), cores = args.sizes[-2:], os.cpu_count() or 1
            per_student = (medians["command"][-1] - medians["command"][-2]) / (large - small)
            print(f"Each further student (from {small} to {large}) adds {per_student:.1f} s: one submission takes "
                  f"about {per_student * cores:.1f} s of a core, {per_student * cores / execute:.2f}× its notebook's "
                  f"execution, {cores} graded at a time.")
        plot(args.sizes, medians["sequential"], medians["command"], execute, args.plot)
        print(f"\n![grading time against class size]({args.plot.name})")


if __name__ == "__main__":
    main()
