"""Run a student's notebook kernel in a bubblewrap sandbox, with CPU-time and memory limits.

The grader (nbgrader's executor) stays outside; only the kernel, where student code runs, is
inside. The kernel talks to the grader over Unix sockets in a folder of its own, so it needs no
network, and it sees:

* read-only: the system's programs and libraries (``/usr``), Python and the course's virtual
  environment, the ``dlkurs`` package, the datasets and their tensor cache;
* writable: a copy of the student's own submission folder (its working directory) and an empty
  ``/tmp``.

It does not see the course folder (sources with hidden tests, the gradebook, other students'
submissions, the exchange), the home folder, the network, or the grader's processes (own PID
namespace). Its memory (``RLIMIT_DATA``) and CPU time (``RLIMIT_CPU``) are limited per process.
"""
from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from nbformat.notebooknode import NotebookNode
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from traitlets import Instance, Integer, Unicode

from nbgrader.preprocessors import Execute


class SandboxUnavailableError(RuntimeError):
    """bubblewrap (``bwrap``) is not installed or cannot create namespaces here."""


@dataclass(frozen=True)
class Limits:
    """Resource limits of one submission's kernel."""

    memory_bytes: int = 4 * 2**30
    cpu_seconds: int = 900
    threads: int = 1


@dataclass(frozen=True)
class Sandbox:
    """Where one submission's kernel may read and write."""

    workdir: Path
    runtime_dir: Path
    limits: Limits = field(default_factory=Limits)

    def command(self, kernel_cmd: list[str]) -> list[str]:
        """Wrap ``kernel_cmd`` in bubblewrap and prlimit."""
        bwrap = shutil.which("bwrap")
        if bwrap is None:
            raise SandboxUnavailableError(
                "bubblewrap (bwrap) fehlt: Studierenden-Code wird nur in einer Sandbox ausgeführt. "
                "Installieren mit 'apt-get install bubblewrap' (make install tut das als root).")
        args = [bwrap, "--unshare-all", "--die-with-parent", "--new-session", "--clearenv"]
        for name in ("bin", "lib", "lib64", "sbin"):
            path = Path("/") / name
            if path.is_symlink():
                args += ["--symlink", os.readlink(path), str(path)]
            elif path.exists():
                args += ["--ro-bind", str(path), str(path)]
        args += ["--ro-bind", "/usr", "/usr"]
        for path in ("/etc/ld.so.cache", "/etc/localtime", "/etc/alternatives"):
            args += ["--ro-bind-try", path, path]
        # The empty /tmp first: paths bound afterwards stay visible even when they lie under /tmp.
        args += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
        for path in self.read_only_paths():
            args += ["--ro-bind", str(path), str(path)]
        for path in (self.workdir, self.runtime_dir):
            args += ["--bind", str(path), str(path)]
        args += ["--chdir", str(self.workdir)]
        for name, value in self.environment().items():
            args += ["--setenv", name, value]
        prlimit = [shutil.which("prlimit") or "prlimit", f"--data={self.limits.memory_bytes}",
                   f"--cpu={self.limits.cpu_seconds}", "--"]
        return [*args, *prlimit, *kernel_cmd]

    def read_only_paths(self) -> list[Path]:
        """Python, the virtual environment, the dlkurs package, the datasets and their cache."""
        paths = {Path(sys.base_prefix), Path(sys.prefix), *course_data()[0]}
        return sorted(path.resolve() for path in paths if path.exists())

    def environment(self) -> dict[str, str]:
        threads = str(self.limits.threads)
        return {
            "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
            "HOME": str(self.workdir),
            "MPLCONFIGDIR": "/tmp/matplotlib",
            "MPLBACKEND": "module://matplotlib_inline.backend_inline",
            "OMP_NUM_THREADS": threads, "MKL_NUM_THREADS": threads, "OPENBLAS_NUM_THREADS": threads,
            "PYTHONDONTWRITEBYTECODE": "1", "LANG": "C.UTF-8",
            "JPY_PARENT_PID": "1",  # ipykernel: no parent poller (own PID namespace) and no console banner
            **course_data()[1],
        }


def course_data() -> tuple[list[Path], dict[str, str]]:
    """What a kernel needs of the course: the dlkurs package, its tensor cache and the datasets
    (to read), and the environment variables that point dlkurs to the cache and the first dataset folder.

    dlkurs imports PyTorch (seconds): it is imported here, when a kernel is started, not when the
    grading command starts; the fork server of :mod:`coursetools.nbgrader_runner` preloads it.
    """
    import dlkurs
    from dlkurs.data import CACHE_ENV_VAR, DATA_ENV_VAR, _cache_dir, data_roots

    roots = [root for root in data_roots() if root.exists()]
    environment = {CACHE_ENV_VAR: str(_cache_dir())} | ({DATA_ENV_VAR: str(roots[0])} if roots else {})
    return [Path(dlkurs.__file__).resolve().parent, _cache_dir(), *roots], environment


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager that starts the kernel inside :class:`Sandbox`, talking over Unix sockets."""

    sandbox = Instance(Sandbox)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.transport = "ipc"
        self.ip = str(self.sandbox.runtime_dir / "kernel")
        self.connection_file = str(self.sandbox.runtime_dir / "kernel.json")

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        # Interrupts go as a message: a signal would reach bubblewrap, not the kernel.
        self.kernel_spec.interrupt_mode = "message"
        return self.sandbox.command(super().format_kernel_cmd(extra_arguments))

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
        kw["env"] = {}  # the sandbox sets the environment; nothing of the grader's leaks in
        kw["cwd"] = str(self.sandbox.workdir)
        await super()._async_launch_kernel(kernel_cmd, **kw)


NOT_EXECUTED = "Nicht ausgeführt: Der Kernel ist vorher abgestürzt oder hat sein Zeit- oder Speicherlimit überschritten."


class SandboxedExecute(Execute):
    """nbgrader's Execute with the kernel in a sandbox; a dead kernel fails the remaining cells.

    nbgrader gives an unexecuted test cell full points (it has no error output), so every code
    cell after a crash (``os._exit``, a memory or CPU-time limit) or after a cell that could not
    be interrupted at its timeout gets an error output instead.
    """

    workdir = Unicode(help="The kernel's working folder: a copy of the student's submission.").tag(config=True)
    runtime_dir = Unicode(help="An empty folder for the kernel's connection file and sockets.").tag(config=True)
    memory_bytes = Integer(Limits.memory_bytes, help="Memory limit (RLIMIT_DATA) of the kernel.").tag(config=True)
    cpu_seconds = Integer(Limits.cpu_seconds, help="CPU-time limit (RLIMIT_CPU) of the kernel.").tag(config=True)
    threads = Integer(Limits.threads, help="Threads for PyTorch and BLAS in the kernel.").tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        self._kernel_dead = False
        return super().preprocess(nb, resources, km)

    def create_kernel_manager(self):
        sandbox = Sandbox(Path(self.workdir), Path(self.runtime_dir),
                          Limits(self.memory_bytes, self.cpu_seconds, self.threads))
        if not self.kernel_name:
            self.kernel_name = self.nb.metadata.get("kernelspec", {}).get("name") or "python3"
        self.km = SandboxedKernelManager(kernel_name=self.kernel_name, sandbox=sandbox, config=self.config)
        return self.km

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        if self._kernel_dead:
            cell.outputs = [failed_output("KernelDied", NOT_EXECUTED)]
            return cell, resources
        try:
            return super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._kernel_dead = True
            cell.outputs.append(failed_output(
                "KernelDied", "Der Kernel ist in dieser Zelle abgestürzt (z. B. os._exit, Speicher- oder Zeitlimit)."))
            return cell, resources
        except CellTimeoutError:
            # The kernel did not stop after the interrupt (e.g. the code catches KeyboardInterrupt).
            self._kernel_dead = True
            cell.outputs.append(failed_output(
                "CellTimeoutError", "Zeitlimit überschritten, und der Kernel ließ sich nicht unterbrechen."))
            return cell, resources


def failed_output(name: str, message: str) -> NotebookNode:
    """An error output, which nbgrader scores as a failed cell."""
    return NotebookNode(output_type="error", ename=name, evalue=message, traceback=[f"{name}: {message}"])
