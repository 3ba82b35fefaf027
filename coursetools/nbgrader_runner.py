"""Run nbgrader commands without paying for nbgrader's import each time.

Importing nbgrader costs seconds (nbformat's schema checks). A fork server imports it once; each
command then runs as ``nbgrader <arguments>`` would, in a fresh child forked from that server, in
a folder of its own (nbgrader reads ``nbgrader_config.py`` from there), with its output in a log.
"""
from __future__ import annotations

import multiprocessing
import os
import tempfile
from pathlib import Path

FORKSERVER = multiprocessing.get_context("forkserver")
FORKSERVER.set_forkserver_preload(["coursetools.forkserver_preload"])


class NbgraderError(RuntimeError):
    """An nbgrader command failed; the message holds its last error lines."""


class NbgraderTimeout(NbgraderError):
    """An nbgrader command ran longer than it was allowed to and was killed."""


def nbgrader(folder: Path, *arguments: str, timeout: float | None = None) -> None:
    """Run ``nbgrader <arguments>`` in ``folder``; raise :class:`NbgraderError` when it fails."""
    with tempfile.TemporaryDirectory(prefix="dlkurs-nbgrader-") as scratch:
        log = Path(scratch) / "nbgrader.log"
        child = FORKSERVER.Process(target=_run, args=(Path(folder), log, arguments))
        child.start()
        child.join(timeout)
        if child.is_alive():
            child.kill()
            child.join()
            raise NbgraderTimeout(f"nbgrader {' '.join(arguments)}: killed after {timeout:.0f} s")
        if child.exitcode != 0:
            raise NbgraderError(error_lines(log.read_text(errors="replace") if log.exists() else ""))


def error_lines(log: str) -> str:
    """The last error lines of an nbgrader log (or its last line), for a one-line report."""
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower() and "Please see" not in line]
    return "; ".join(errors[-3:])[:600] or (lines[-1][:300] if lines else "no output")


def _run(folder: Path, log: Path, arguments: tuple[str, ...]) -> None:
    """In the forked child: send output to ``log``, change to ``folder``, run the nbgrader command."""
    output = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(output, 1)
    os.dup2(output, 2)
    os.chdir(folder)
    from nbgrader.apps.nbgraderapp import NbGraderApp

    NbGraderApp.launch_instance(list(arguments))  # what the command `nbgrader` runs
