"""nbgrader commands run in children of one fork server, each in its own folder."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from coursetools.nbgrader_runner import NbgraderError, NbgraderTimeout, nbgrader


def course_with_config(folder: Path, *lines: str) -> Path:
    (folder / "nbgrader_config.py").write_text("\n".join([
        "c = get_config()", f"c.CourseDirectory.db_url = 'sqlite:///{folder / 'gradebook.db'}'", *lines, ""]))
    return folder


def test_a_command_runs_in_its_folder_with_that_folders_config(tmp_path):
    nbgrader(course_with_config(tmp_path), "db", "student", "add", "alice", "--last-name", "Liddell")
    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gradebook:
        assert gradebook.find_student("alice").last_name == "Liddell"


def test_a_failing_command_reports_nbgraders_error_lines(tmp_path):
    with pytest.raises(NbgraderError, match="No notebooks were matched"):
        nbgrader(course_with_config(tmp_path), "generate_assignment", "missing")


def test_a_command_that_runs_too_long_is_killed(tmp_path):
    with pytest.raises(NbgraderTimeout, match="killed after 2 s"):
        nbgrader(course_with_config(tmp_path, "import time", "time.sleep(60)"), "db", "student", "list", timeout=2)


def test_gradebooks_open_without_an_activated_environment(tmp_path):
    """`.venv/bin/python -m coursetools.grade` without `source .venv/bin/activate`: nbgrader calls `alembic` by name."""
    opens_a_gradebook = ("import coursetools; from nbgrader.api import Gradebook; "
                         f"Gradebook('sqlite:///{tmp_path / 'gradebook.db'}').close()")
    environment = {"PATH": os.defpath, "HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", opens_a_gradebook], env=environment, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-1000:]
