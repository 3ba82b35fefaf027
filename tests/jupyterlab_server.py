"""Start JupyterLab on a copy of the course for a browser test, and stop it again.

The server runs from the course's own environment with the course's settings (nbgrader's
extensions, the lab overrides of ``make install``), on a free loopback port with a token, and with
its own Jupyter config, data and runtime folders so that nothing of the user's own Jupyter set-up
leaks in.
"""
from __future__ import annotations

import os
import socket
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
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def jupyterlab(course: Path, home: Path, log: Path, startup_timeout: float = 90) -> Iterator[RunningLab]:
    """Run ``jupyter lab`` in ``course`` until the block ends; its output goes to ``log``."""
    port, token = free_port(), os.urandom(16).hex()
    environment = dict(os.environ,
                       PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
                       JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_DATA_DIR=str(home / "data"),
                       JUPYTER_RUNTIME_DIR=str(home / "runtime"), JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
                       IPYTHONDIR=str(home / "ipython"))
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--ServerApp.port={port}",
               "--ServerApp.port_retries=0", "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={course}"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    with log.open("w") as output:
        server = subprocess.Popen(command, cwd=course, env=environment, stdout=output, stderr=subprocess.STDOUT)
    lab = RunningLab(f"http://127.0.0.1:{port}", token, course)
    try:
        wait_until_serving(lab, server, log, startup_timeout)
        yield lab
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def wait_until_serving(lab: RunningLab, server: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            lab.api("status")
            return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"JupyterLab did not answer within {timeout:.0f} s:\n{log.read_text()[-3000:]}")
