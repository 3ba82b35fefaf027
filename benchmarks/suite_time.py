"""The whole test suite's time, run as ``make test`` runs it, and where that time goes.

    python benchmarks/suite_time.py [PYTEST ARGUMENTS]   # e.g. tests/test_grade_class.py

Runs pytest once with ``--durations=0`` (on the whole suite unless told otherwise) and prints a
markdown table of seconds per part of the suite (the grading round trip, the solution notebooks
under nbval, the browser test, ...).
Measures only; no test enforces these numbers. Expects ``make``'s environment (``make benchmark``).
"""
from __future__ import annotations

import re
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

COURSE_ROOT = Path(__file__).resolve().parent.parent
DURATION = re.compile(r"^(?P<seconds>[\d.]+)s (?:setup|call|teardown)\s+(?P<test>\S+)")


def part(test: str) -> str:
    """The part of the suite a test id belongs to: its file, with all solution notebooks as one part."""
    path = test.split("::")[0]
    return "solution notebooks (nbval)" if path.startswith("solutions/") else path


def main() -> None:
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "--durations=0", *sys.argv[1:]],
                            cwd=COURSE_ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - started
    seconds: dict[str, float] = defaultdict(float)
    for line in result.stdout.splitlines():
        match = DURATION.match(line)
        if match:
            seconds[part(match["test"])] += float(match["seconds"])
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else "no output"
    print(f"One run of {' '.join(sys.argv[1:]) or 'the whole suite'}: {wall / 60:.1f} min wall "
          f"({summary.strip('= ')})\n")
    print("| part | seconds | share |\n|---|---|---|")
    for name, value in sorted(seconds.items(), key=lambda item: -item[1]):
        if value >= 1:
            print(f"| `{name}` | {value:.0f} | {value / wall:.0%} |")
    if result.returncode != 0:
        sys.exit(f"the suite failed:\n{result.stdout[-3000:]}")


if __name__ == "__main__":
    main()
