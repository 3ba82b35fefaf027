"""The kernel's sandbox: what it can read, wherever the course and its environment lie."""
from __future__ import annotations

import subprocess
from pathlib import Path

from coursetools import sandbox
from coursetools.sandbox import Sandbox


def run_inside(box: Sandbox, *command: str) -> subprocess.CompletedProcess:
    return subprocess.run(box.command(list(command)), capture_output=True, text=True, timeout=60)


def test_course_files_under_tmp_are_readable_but_not_writable(tmp_path: Path, monkeypatch):
    """A checkout under /tmp (CI clones there): its .venv and dlkurs must not vanish behind the sandbox's own /tmp."""
    course_file = tmp_path / "course" / "dlkurs" / "data.txt"
    course_file.parent.mkdir(parents=True)
    course_file.write_text("Daten")
    monkeypatch.setattr(sandbox, "course_data", lambda: ([course_file.parent], {}))
    box = Sandbox(tmp_path / "work", tmp_path / "run")
    box.workdir.mkdir()
    box.runtime_dir.mkdir()
    assert run_inside(box, "cat", str(course_file)).stdout == "Daten"
    assert run_inside(box, "touch", str(course_file.parent / "new")).returncode != 0


def test_the_sandbox_has_an_empty_tmp_of_its_own(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(sandbox, "course_data", lambda: ([], {}))
    secret = tmp_path / "secret.txt"
    secret.write_text("geheim")
    box = Sandbox(tmp_path / "work", tmp_path / "run")
    box.workdir.mkdir()
    box.runtime_dir.mkdir()
    assert run_inside(box, "cat", str(secret)).returncode != 0
    assert run_inside(box, "touch", "/tmp/scratch").returncode == 0
