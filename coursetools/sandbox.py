"""Run a student's notebook kernel in a bubblewrap sandbox, with one resource budget per submission.

The grader (nbgrader's executor) stays outside; only the kernel, where student code runs, is
inside. The kernel talks to the grader over Unix sockets in a folder of its own, so it needs no
network, and it sees:

* read-only: the system's programs and libraries (``/usr``), Python and the course's virtual
  environment, the ``dlkurs`` package, of ``coursetools`` only the export cell, the probe process
  and its measurements (:data:`SANDBOX_SIDE`; verdicts stay in the course), the datasets and their
  tensor cache, ``/proc/sys``;
* writable: a copy of the student's own submission folder (its working directory), the socket
  folder, and an empty ``/tmp`` and ``/dev/shm`` (size-capped tmpfs, ``Limits.tmpfs_bytes`` each).

It does not see the course folder (sources with hidden tests, the gradebook, other students'
submissions, the exchange), the home folder, the network, or the grader's processes (own PID
namespace). Even when the grader runs as root, the kernel runs in a user namespace of its own
with every capability dropped and no way to create further user namespaces: it cannot remount
the read-only paths writable, mount anything, or write kernel settings.

What is enforced where (see also the README's instructor section):

* **With a cgroup** (:mod:`coursetools.cgroups`; as root on a machine with cgroup v1 controllers or
  a writable cgroup v2 parent): the kernel and everything it starts share one memory budget
  (``memory_bytes``: heap, shared memory, files in ``/tmp`` and ``/dev/shm``, page cache; beyond it
  the kernel is killed), at most ``max_processes`` processes and threads, and the slot's CPU set
  and CPU quota (a submission cannot widen them).
* **Always** (per process, via ``prlimit``): heap ``RLIMIT_DATA`` = ``memory_bytes`` (so a plain
  large allocation is a ``MemoryError`` rather than a killed kernel), CPU time ``RLIMIT_CPU``, file
  size ``RLIMIT_FSIZE``, no core dumps, and the affinity of the slot's CPU set (``taskset``).
* **Without a cgroup** additionally: address space ``RLIMIT_AS`` = ``memory_bytes`` plus
  :data:`ADDRESS_SPACE_ALLOWANCE` per process (PyTorch's libraries alone map about 3.7 GiB), which
  also bounds shared mappings; ``RLIMIT_NPROC`` = ``max_processes``, which the kernel counts per
  user namespace but does not apply to root: a grader running as root without a cgroup has no
  process cap, the per-process limits then add up over processes, and a process can widen its
  own CPU affinity.

When the kernel ends, every process it left behind ends with it (own PID namespace,
``--die-with-parent``). Outputs a notebook keeps are capped by :class:`SandboxedExecute`.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from nbformat.notebooknode import NotebookNode
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from traitlets import Bool, Instance, Integer, List, Unicode

from nbgrader.preprocessors import Execute

from .cgroups import Cgroup
from .export_cell import STATUS_FILE, export_source

ADDRESS_SPACE_ALLOWANCE = 4 * 2**30
"""Address space a kernel may map beyond its memory budget where only rlimits apply: PyTorch's
libraries (CUDA builds included) map about 3.7 GiB that are mostly never read into memory."""

JOIN_CGROUP = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"'
"""Shell prefix: move this process into each cgroup named before ``--``, then become the command.

Before bubblewrap starts, so that every process of the sandbox is born inside the cgroup."""


class SandboxUnavailableError(RuntimeError):
    """bubblewrap (``bwrap``) is not installed or cannot create namespaces here."""


@dataclass(frozen=True)
class Limits:
    """Resource limits of one submission's kernel."""

    memory_bytes: int = 4 * 2**30
    cpu_seconds: int = 900
    cpus: tuple[int, ...] = ()
    """The grading slot's CPU set; empty: every CPU the grader may use."""
    max_processes: int = 256
    file_bytes: int = 2**30

    @property
    def threads(self) -> int:
        """Threads for PyTorch and BLAS: one per CPU of the slot."""
        return len(self.cpus) or len(os.sched_getaffinity(0))

    @property
    def tmpfs_bytes(self) -> int:
        """Size of the sandbox's ``/tmp`` and of its ``/dev/shm`` (each)."""
        return max(self.memory_bytes // 4, 16 * 2**20)


@dataclass(frozen=True)
class Sandbox:
    """Where one submission's kernel may read and write, and what it may use."""

    workdir: Path
    runtime_dir: Path
    limits: Limits = field(default_factory=Limits)
    cgroup: Cgroup | None = None
    """The submission's cgroup (memory, processes, CPUs for all its processes); ``None``: rlimits only."""

    def command(self, kernel_cmd: list[str]) -> list[str]:
        """Wrap ``kernel_cmd``: join the cgroup, pin to the slot's CPUs, bubblewrap, prlimit."""
        bwrap = shutil.which("bwrap")
        if bwrap is None:
            raise SandboxUnavailableError(
                "bubblewrap (bwrap) fehlt: Studierenden-Code wird nur in einer Sandbox ausgeführt. "
                "Installieren mit 'apt-get install bubblewrap' (make install tut das als root).")
        prefix: list[str] = []
        if self.cgroup is not None:
            prefix += [shutil.which("sh") or "/bin/sh", "-c", JOIN_CGROUP, "dlkurs-cgroup",
                       *map(str, self.cgroup.procs_files()), "--"]
        if self.limits.cpus:
            prefix += [shutil.which("taskset") or "taskset", "--cpu-list", ",".join(map(str, self.limits.cpus))]
        return [*prefix, bwrap, *self.bwrap_arguments(), *self.prlimit_command(), *kernel_cmd]

    def bwrap_arguments(self) -> list[str]:
        """Namespaces, no capabilities, and the file system the kernel sees."""
        # Root keeps its capabilities in bubblewrap unless it gets a user namespace and drops them.
        args = ["--unshare-all", "--unshare-user", "--disable-userns", "--cap-drop", "ALL",
                "--die-with-parent", "--new-session", "--clearenv"]
        for name in ("bin", "lib", "lib64", "sbin"):
            path = Path("/") / name
            if path.is_symlink():
                args += ["--symlink", os.readlink(path), str(path)]
            elif path.exists():
                args += ["--ro-bind", str(path), str(path)]
        args += ["--ro-bind", "/usr", "/usr"]
        for path in ("/etc/ld.so.cache", "/etc/localtime", "/etc/alternatives", "/etc/fonts"):
            args += ["--ro-bind-try", path, path]
        size = str(self.limits.tmpfs_bytes)
        args += ["--proc", "/proc", "--ro-bind", "/proc/sys", "/proc/sys",
                 "--dev", "/dev", "--size", size, "--tmpfs", "/dev/shm", "--remount-ro", "/dev"]
        # The empty /tmp first: paths bound afterwards stay visible even when they lie under /tmp.
        args += ["--size", size, "--tmpfs", "/tmp"]
        for path in self.read_only_paths():
            args += ["--ro-bind", str(path), str(path)]
        for path in (self.workdir, self.runtime_dir):
            args += ["--bind", str(path), str(path)]
        args += ["--chdir", str(self.workdir)]
        for name, value in self.environment().items():
            args += ["--setenv", name, value]
        return args

    def prlimit_command(self) -> list[str]:
        """Per-process limits, set inside the sandbox (so ``RLIMIT_NPROC`` counts only its processes)."""
        limits = self.limits
        command = [shutil.which("prlimit") or "prlimit", f"--data={limits.memory_bytes}",
                   f"--cpu={limits.cpu_seconds}", f"--fsize={limits.file_bytes}", "--core=0",
                   f"--nproc={limits.max_processes}"]
        if self.cgroup is None:
            command.append(f"--as={limits.memory_bytes + ADDRESS_SPACE_ALLOWANCE}")
        return [*command, "--"]

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

    @property
    def caps_processes(self) -> bool:
        """Whether the process cap holds: a cgroup, or ``RLIMIT_NPROC`` for a grader that is not root."""
        return self.cgroup is not None or os.geteuid() != 0


def slot_cpu_sets(jobs: int, cpus: Sequence[int] | None = None) -> list[tuple[int, ...]]:
    """Split the grader's CPUs (default: those it may run on) among ``jobs`` grading slots.

    Each slot gets CPUs of its own where there are enough; with more slots than CPUs, slots share
    CPUs in turn (slot ``i`` gets CPU ``i mod n``).
    """
    available = sorted(cpus if cpus is not None else os.sched_getaffinity(0))
    if jobs >= len(available):
        return [(available[slot % len(available)],) for slot in range(jobs)]
    per_slot, extra = divmod(len(available), jobs)
    sets, start = [], 0
    for slot in range(jobs):
        size = per_slot + (slot < extra)
        sets.append(tuple(available[start:start + size]))
        start += size
    return sets


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
    return [Path(dlkurs.__file__).resolve().parent, *sandbox_side_tools(), _cache_dir(), *roots], environment


SANDBOX_SIDE = ("__init__.py", "export_cell.py", "probe_server.py", "plain_data.py", "probes")
"""What the sandbox sees of ``coursetools``: the export cell, the probe process and its measurements.
Nothing else (the generator, the grader, ``broken_runs`` with 01's answer key) is there to be read."""


def sandbox_side_tools() -> list[Path]:
    """The files of ``coursetools`` that run inside the sandbox, each bound on its own."""
    package = Path(__file__).resolve().parent
    return [package / name for name in SANDBOX_SIDE]


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
        # What the kernel writes to its raw stdout/stderr (not the notebook's outputs) goes to a log
        # of its own, capped by RLIMIT_FSIZE, never into the grader's memory or nbgrader's log.
        with open(self.sandbox.runtime_dir / "kernel.log", "wb") as log:
            kw["stdout"] = kw["stderr"] = log
            await super()._async_launch_kernel(kernel_cmd, **kw)


def is_autograded_test(cell: NotebookNode) -> bool:
    """An autograded test cell: graded, code, not one the student writes."""
    metadata = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and bool(metadata.get("grade")) and not metadata.get("solution")


def grade_id(cell: NotebookNode) -> str:
    return cell.metadata["nbgrader"]["grade_id"]


NOT_EXECUTED = "Nicht ausgeführt: Der Kernel ist vorher abgestürzt oder hat sein Zeit- oder Speicherlimit überschritten."
ERROR_TEXT_LIMIT = 10_000
"""Characters kept of an error's message and of each traceback line."""


class SandboxedExecute(Execute):
    """nbgrader's Execute with the kernel in a sandbox; a dead kernel fails the remaining cells.

    nbgrader gives an unexecuted test cell full points (it has no error output), so every code
    cell after a crash (``os._exit``, a memory or CPU-time limit) or after a cell that could not
    be interrupted at its timeout gets an error output instead.

    Outputs are kept up to ``max_output_bytes`` per notebook; later ones are dropped as they
    arrive (the grader's memory and the autograded notebook stay bounded) and each cell that lost
    some says so ("Ausgabe gekürzt"). Errors are always kept (shortened), and a cell that lost
    output on stderr gets its note on stderr, so a cell fails exactly when it would have failed
    with all its output.
    """

    workdir = Unicode(help="The kernel's working folder: a copy of the student's submission.").tag(config=True)
    runtime_dir = Unicode(help="An empty folder for the kernel's connection file and sockets.").tag(config=True)
    memory_bytes = Integer(Limits.memory_bytes, help="Memory budget of the submission.").tag(config=True)
    cpu_seconds = Integer(Limits.cpu_seconds, help="CPU-time limit (RLIMIT_CPU) per process.").tag(config=True)
    cpus = List(Integer(), help="The grading slot's CPU set (empty: all).").tag(config=True)
    max_processes = Integer(Limits.max_processes, help="Process cap of the submission.").tag(config=True)
    file_bytes = Integer(Limits.file_bytes, help="Largest file the kernel may write (RLIMIT_FSIZE).").tag(config=True)
    cgroup_version = Integer(0, help="Version of the submission's cgroup; 0: none.").tag(config=True)
    cgroup_folders = List(Unicode(), help="The submission's cgroup (a folder per v1 controller).").tag(config=True)
    max_output_bytes = Integer(8 * 2**20, help="Output a notebook keeps, in characters.").tag(config=True)
    store_widget_state = Bool(False, help="Widget state is not graded (and would grow without bound).")
    verdicts_dir = Unicode(help="The assignment's verdicts (``verdicts/<assignment>``, one module per notebook).").tag(
        config=True)

    def preprocess(self, nb, resources=None, km=None):
        """Run the notebook with its test cells replaced by export cells, then let the verdicts decide them."""
        self._kernel_dead = False
        self._cell_output_sizes: dict[int, int] = {}
        self._truncated: set[tuple[int, str]] = set()
        self._output_full = False
        from .verdicts import load_verdicts  # imports PyTorch: only where a notebook is graded

        verdicts_path = Path(self.verdicts_dir) / f"{(resources or {}).get('unique_key', '')}.py"
        verdicts = load_verdicts(verdicts_path) if self.verdicts_dir else {}
        export_dir = Path(self.runtime_dir) / "export"
        export_dir.mkdir(parents=True, exist_ok=True)
        tests = {grade_id(cell): cell.source for cell in nb.cells if is_autograded_test(cell)}
        for cell in nb.cells:
            if is_autograded_test(cell):
                function = verdicts.get(grade_id(cell))
                cell.source = export_source(export_dir, grade_id(cell), function.verdict_uses if function else ())
        try:
            nb, resources = super().preprocess(nb, resources, km)
        finally:
            for cell in nb.cells:
                if is_autograded_test(cell):
                    cell.source = tests[grade_id(cell)]
        self.decide_tests(nb, verdicts, verdicts_path, export_dir)
        return nb, resources

    def decide_tests(self, nb, verdicts: dict, verdicts_path: Path, export_dir: Path) -> None:
        """Each test cell's outputs become its verdict's: whatever the student's kernel printed there is dropped."""
        from .verdicts import ProbeClient, judge

        tests = [cell for cell in nb.cells if is_autograded_test(cell)]
        if not tests:
            return
        command = [sys.executable, "-I", "-m", "coursetools.probe_server", str(export_dir)]
        client = ProbeClient(self.sandbox().command(command), Path(self.workdir),
                             Path(self.runtime_dir) / "probe.log", self.timeout or Limits.cpu_seconds)
        try:
            for cell in tests:
                if self._kernel_dead and not (export_dir / grade_id(cell) / STATUS_FILE).exists():
                    cell.outputs = [failed_output("KernelDied", NOT_EXECUTED)]  # the kernel died before this test
                else:
                    cell.outputs = judge(verdicts.get(grade_id(cell)), grade_id(cell), client, verdicts_path)
        finally:
            client.close()

    def sandbox(self) -> Sandbox:
        """The submission's sandbox: its folders, limits and cgroup."""
        cgroup = (Cgroup(self.cgroup_version, tuple(map(Path, self.cgroup_folders)), ())
                  if self.cgroup_version else None)
        limits = Limits(self.memory_bytes, self.cpu_seconds, tuple(self.cpus), self.max_processes, self.file_bytes)
        return Sandbox(Path(self.workdir), Path(self.runtime_dir), limits, cgroup)

    def create_kernel_manager(self):
        if not self.kernel_name:
            self.kernel_name = self.nb.metadata.get("kernelspec", {}).get("name") or "python3"
        self.km = SandboxedKernelManager(kernel_name=self.kernel_name, sandbox=self.sandbox(), config=self.config)
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

    # ---- the output budget (nbclient's hooks for every output message of a cell)

    def output(self, outs, msg, display_id, cell_index):
        if msg["msg_type"] == "error":
            msg["content"] = shortened_error(msg["content"])
            return super().output(outs, msg, display_id, cell_index)
        if self.clear_before_next_output and not self.output_hook_stack[msg["parent_header"].get("msg_id")]:
            # clear_output(wait=True) came before: empty the cell now, as nbclient would.
            outs[:] = []
            self.clear_display_id_mapping(cell_index)
            self.clear_before_next_output = False
            self._forget_cell(cell_index)
        if not self._fits(cell_index, message_size(msg["content"])):
            stream = msg["content"].get("name") if msg["msg_type"] == "stream" else None
            self._note_truncation(outs, cell_index, "stderr" if stream == "stderr" else "stdout")
            return None
        return super().output(outs, msg, display_id, cell_index)

    def clear_output(self, outs, msg, cell_index):
        if not msg["content"].get("wait") and not self.output_hook_stack[msg["parent_header"].get("msg_id")]:
            self._forget_cell(cell_index)
        super().clear_output(outs, msg, cell_index)

    def _forget_cell(self, cell_index: int) -> None:
        """The cell's outputs were cleared: their size no longer counts."""
        self._cell_output_sizes[cell_index] = 0
        self._truncated = {(index, name) for index, name in self._truncated if index != cell_index}
        self._output_full = False

    def _update_display_id(self, display_id, msg):
        if self._fits(-1, message_size(msg["content"])):  # replaced data is counted as new
            super()._update_display_id(display_id, msg)

    def handle_comm_msg(self, outs, msg, cell_index):
        if self._fits(-1, len(json.dumps(msg["content"], default=str))):
            super().handle_comm_msg(outs, msg, cell_index)

    def _fits(self, cell_index: int, size: int) -> bool:
        """Count ``size`` against the notebook's budget if it fits; once one output did not, none does."""
        if self._output_full or sum(self._cell_output_sizes.values()) + size > self.max_output_bytes:
            self._output_full = True
            return False
        self._cell_output_sizes[cell_index] = self._cell_output_sizes.get(cell_index, 0) + size
        return True

    def _note_truncation(self, outs: list[NotebookNode], cell_index: int, stream: str) -> None:
        if (cell_index, stream) in self._truncated:
            return
        self._truncated.add((cell_index, stream))
        mebibytes = self.max_output_bytes / 2**20
        outs.append(NotebookNode(output_type="stream", name=stream, text=(
            f"\nAusgabe gekürzt: Das Notebook hat mehr als {mebibytes:g} MiB ausgegeben; "
            "weitere Ausgaben dieser Zelle wurden bei der Bewertung verworfen.\n")))


def message_size(content: dict) -> int:
    """Characters an output message adds to the notebook (its text or its data)."""
    if isinstance(content.get("text"), str):
        return len(content["text"])
    return sum(len(value) if isinstance(value, str) else len(json.dumps(value, default=str))
               for value in content.get("data", {}).values())


def shortened_error(content: dict) -> dict:
    """An error message's content with its message and each traceback line cut to a readable length."""
    def cut(text: object) -> str:
        text = str(text)
        return text if len(text) <= ERROR_TEXT_LIMIT else text[:ERROR_TEXT_LIMIT] + " … (gekürzt)"

    traceback = content.get("traceback") or []
    if len(traceback) > 200:
        traceback = [*traceback[:100], "… (Traceback gekürzt) …", *traceback[-99:]]
    return {**content, "ename": cut(content.get("ename", "")), "evalue": cut(content.get("evalue", "")),
            "traceback": [cut(line) for line in traceback]}


def failed_output(name: str, message: str) -> NotebookNode:
    """An error output, which nbgrader scores as a failed cell."""
    return NotebookNode(output_type="error", ename=name, evalue=message, traceback=[f"{name}: {message}"])
