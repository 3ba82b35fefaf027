"""Start JupyterLab on a copy of the course for a browser test, and stop it again.

The server runs from the course's own environment with the course's settings (nbgrader's
extensions, the lab overrides of ``make install``), on a loopback port the system picks (read
back from the server's info file, so no other process can take it between choosing and binding),
with a token, and with its own Jupyter config, data and runtime folders so that nothing of the
user's own Jupyter set-up leaks in.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RunningLab:
    """A started JupyterLab: where it serves and how to authenticate."""

    url: str
    token: str
    root: Path

    def api(self, path: str) -> bytes:
        """GET ``/api/<path>`` with the token."""
        request = urllib.request.Request(f"{self.url}/api/{path}", headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.read()


@contextmanager
def jupyterlab(course: Path, home: Path, log: Path, startup_timeout: float = 300) -> Iterator[RunningLab]:
    """Run ``jupyter lab`` in ``course`` until the block ends; its output goes to ``log``.

    It starts in a few seconds on a quiet machine; ``startup_timeout`` leaves room for a busy one.
    """
    token = os.urandom(16).hex()
    environment = dict(os.environ,
                       PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
                       JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_DATA_DIR=str(home / "data"),
                       JUPYTER_RUNTIME_DIR=str(home / "runtime"), JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
                       IPYTHONDIR=str(home / "ipython"))
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.port=0",
               "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={course}"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    with log.open("w") as output:
        server = subprocess.Popen(command, cwd=course, env=environment, stdout=output, stderr=subprocess.STDOUT)
    try:
        lab = wait_until_serving(server, token, course, home / "runtime", log, startup_timeout)
        yield lab
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def wait_until_serving(server: subprocess.Popen, token: str, root: Path, runtime: Path, log: Path,
                       timeout: float) -> RunningLab:
    """Poll until the server has written its info file (it holds the port) and answers ``/api/status``."""
    info_file = runtime / f"jpserver-{server.pid}.json"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            lab = RunningLab(f"http://127.0.0.1:{json.loads(info_file.read_text())['port']}", token, root)
            lab.api("status")
            return lab
        except (OSError, ValueError, KeyError):  # not written yet, half written, or not answering yet
            time.sleep(0.5)
    raise RuntimeError(f"JupyterLab did not answer within {timeout:.0f} s:\n{log.read_text()[-3000:]}")
