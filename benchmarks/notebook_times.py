"""Cold execution time of every solution notebook, as a student runs it (kernel start included).

    python benchmarks/notebook_times.py [--repeat 3]

Prints a markdown table with the median and the spread (min to max) per notebook. The budget is
60 s per notebook on a 2-core CPU; this script measures, no test enforces it.
"""
from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

COURSE_ROOT = Path(__file__).resolve().parent.parent


def execute_seconds(notebook: Path) -> float:
    """Seconds for ``jupyter nbconvert --execute`` on ``notebook``, kernel start included."""
    with tempfile.TemporaryDirectory() as scratch:
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
             "--ExecutePreprocessor.timeout=600", "--output-dir", scratch, str(notebook)],
            check=True, capture_output=True, cwd=COURSE_ROOT,
        )
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    repeat = parser.parse_args().repeat
    device = torch.cuda.get_device_name() if torch.cuda.is_available() else f"CPU, {torch.get_num_threads()} threads"
    print(f"Machine: {platform.machine()}, {device}; torch {torch.__version__}; {repeat} runs each\n")
    print("| notebook | median s | min s | max s |\n|---|---|---|---|")
    for notebook in sorted((COURSE_ROOT / "solutions").glob("*.ipynb")):
        times = [execute_seconds(notebook) for _ in range(repeat)]
        print(f"| {notebook.name} | {statistics.median(times):.1f} | {min(times):.1f} | {max(times):.1f} |")


if __name__ == "__main__":
    main()
