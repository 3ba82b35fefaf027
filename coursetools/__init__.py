"""Build and grading tools of the course (for instructors and CI, not for students)."""
import os
import sys
from pathlib import Path

# nbgrader runs the environment's `alembic` by name whenever it opens a gradebook; find it also when the
# environment is not activated (`.venv/bin/python -m coursetools.grade`).
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
