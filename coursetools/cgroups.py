"""One control group per submission: a memory budget, a process cap and a CPU set that the kernel
and every process it starts share, however they allocate (heap, shared memory, files in tmpfs).

Where the machine lets the grader create control groups (as root with cgroup v1 controllers
mounted, as on the course's grading VMs; or cgroup v2 where the grader may write the parent of its
own cgroup, e.g. the root cgroup or a systemd unit with ``Delegate=yes``), :func:`create_cgroup`
makes one and the sandbox moves the kernel into it before bubblewrap starts. Elsewhere (an
unprivileged container, a read-only ``/sys/fs/cgroup``) it returns ``None`` with the reason in
:func:`cgroup_unavailable_reason`, and the sandbox falls back to per-process rlimits.
"""
from __future__ import annotations

import errno
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

REQUIRED = ("memory", "pids")
"""Controllers without which a cgroup is not worth it: the memory budget and the process cap."""
OPTIONAL = ("cpu", "cpuset")
"""Controllers used where present: a CPU quota and a CPU set the submission cannot widen."""
CFS_PERIOD_US = 100_000


@dataclass(frozen=True)
class CgroupLimits:
    """What one submission may use in total."""

    memory_bytes: int
    max_processes: int
    cpus: tuple[int, ...]


@dataclass(frozen=True)
class Cgroup:
    """A submission's control group: one folder (v2), or one folder per controller (v1)."""

    version: int
    folders: tuple[Path, ...]
    controllers: tuple[str, ...]

    def procs_files(self) -> list[Path]:
        """The files a process writes its PID to in order to join (all of them, for v1)."""
        return [folder / "cgroup.procs" for folder in self.folders]

    def pids(self) -> set[int]:
        """The processes in it now (as seen from the grader's PID namespace)."""
        found: set[int] = set()
        for path in self.procs_files():
            try:
                found |= {int(line) for line in path.read_text().split()}
            except OSError:
                pass
        return found

    def remove(self, timeout: float = 30) -> None:
        """Kill whatever still runs in it, then delete its folders."""
        deadline = time.monotonic() + timeout
        for folder in self.folders:
            if (folder / "cgroup.kill").exists():
                _write(folder / "cgroup.kill", "1", ignore_errors=True)
        while (pids := self.pids()) and time.monotonic() < deadline:
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.05)
        for folder in self.folders:
            while True:
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError as error:  # EBUSY while the last process is being reaped
                    if error.errno != errno.EBUSY or time.monotonic() > deadline:
                        break
                    time.sleep(0.05)


_unavailable_reason = ""


def cgroup_unavailable_reason() -> str:
    """Why the last :func:`create_cgroup` returned ``None`` (German, for the grader's output)."""
    return _unavailable_reason


def create_cgroup(name: str, limits: CgroupLimits) -> Cgroup | None:
    """A new cgroup ``dlkurs-<grader pid>-<name>`` with ``limits``, or ``None`` where none can be made."""
    global _unavailable_reason
    leaf = f"dlkurs-{os.getpid()}-{name}"
    try:
        parent = _v2_parent()
        if parent is not None:
            return _create_v2(parent / leaf, limits)
        mounts = _v1_folders()
        if all(controller in mounts for controller in REQUIRED):
            return _create_v1(mounts, leaf, limits)
        _unavailable_reason = "keine cgroup mit Speicher- und Prozess-Controller eingehängt"
    except OSError as error:
        _unavailable_reason = f"cgroup nicht anlegbar: {error.strerror or error} ({error.filename or '-'})"
    return None


# --------------------------------------------------------------------------------------------- v2

def _v2_parent() -> Path | None:
    """Where v2 leaves can go: the root cgroup, or the parent of the grader's own cgroup.

    A v2 cgroup with processes cannot pass controllers to children ("no internal processes"), so
    the leaves are siblings of the grader's cgroup unless that is the root. ``None`` where the
    unified hierarchy lacks the memory or pids controller (e.g. a hybrid v1 machine).
    """
    mount = next((Path(point) for fstype, point, _ in _mounts() if fstype == "cgroup2"), None)
    own = next((path for hierarchy, _, path in _own_cgroups() if hierarchy == "0"), None)
    if mount is None or own is None:
        return None
    current = mount / own.lstrip("/")
    if not set(REQUIRED) <= set(_read(current / "cgroup.controllers").split()):
        return None
    if current == mount:
        _write(mount / "cgroup.subtree_control", " ".join(f"+{c}" for c in REQUIRED))
        for controller in OPTIONAL:
            _write(mount / "cgroup.subtree_control", f"+{controller}", ignore_errors=True)
        return mount
    return current.parent


def _create_v2(folder: Path, limits: CgroupLimits) -> Cgroup:
    available = set(_read(folder.parent / "cgroup.subtree_control").split())
    folder.mkdir()
    cgroup = Cgroup(2, (folder,), tuple(c for c in (*REQUIRED, *OPTIONAL) if c in available))
    try:
        _write(folder / "memory.max", str(limits.memory_bytes))
        _write(folder / "memory.swap.max", "0", ignore_errors=True)
        _write(folder / "pids.max", str(limits.max_processes))
        if "cpu" in available and limits.cpus:
            _write(folder / "cpu.max", f"{len(limits.cpus) * CFS_PERIOD_US} {CFS_PERIOD_US}")
        if "cpuset" in available and limits.cpus:
            _write(folder / "cpuset.cpus", ",".join(map(str, limits.cpus)))
    except OSError:
        cgroup.remove()
        raise
    return cgroup


# --------------------------------------------------------------------------------------------- v1

def _v1_folders() -> dict[str, Path]:
    """Controller → the grader's own cgroup folder in that controller's v1 hierarchy."""
    points: dict[str, Path] = {}
    for fstype, point, options in _mounts():
        if fstype == "cgroup":
            for option in options.split(","):
                points[option] = Path(point)
    folders = {}
    for _, controllers, path in _own_cgroups():
        for controller in controllers.split(","):
            if controller in points and controller in (*REQUIRED, *OPTIONAL):
                folders[controller] = points[controller] / path.lstrip("/")
    return folders


def _create_v1(parents: dict[str, Path], leaf: str, limits: CgroupLimits) -> Cgroup:
    used = [c for c in (*REQUIRED, *OPTIONAL) if c in parents and (c != "cpuset" or limits.cpus)]
    folders: list[Path] = []
    try:
        for controller in used:
            folder = parents[controller] / leaf
            if folder not in folders:  # co-mounted controllers (cpu,cpuacct) share one folder
                folder.mkdir()
                folders.append(folder)
        cgroup = Cgroup(1, tuple(folders), tuple(used))
        memory = parents["memory"] / leaf
        _write(memory / "memory.limit_in_bytes", str(limits.memory_bytes))
        _write(memory / "memory.memsw.limit_in_bytes", str(limits.memory_bytes), ignore_errors=True)
        _write(parents["pids"] / leaf / "pids.max", str(limits.max_processes))
        if "cpu" in used and limits.cpus:
            _write(parents["cpu"] / leaf / "cpu.cfs_period_us", str(CFS_PERIOD_US))
            _write(parents["cpu"] / leaf / "cpu.cfs_quota_us", str(len(limits.cpus) * CFS_PERIOD_US))
        if "cpuset" in used:
            cpuset = parents["cpuset"] / leaf
            _write(cpuset / "cpuset.cpus", ",".join(map(str, limits.cpus)))
            _write(cpuset / "cpuset.mems", _read(parents["cpuset"] / "cpuset.effective_mems")
                   or _read(parents["cpuset"] / "cpuset.mems"))
    except OSError:
        Cgroup(1, tuple(folders), ()).remove()
        raise
    return cgroup


# ---------------------------------------------------------------------------------------- helpers

def _mounts() -> list[tuple[str, str, str]]:
    """(file system type, mount point, super options) of every mount the grader sees."""
    mounts = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        left, _, right = line.partition(" - ")
        fields = right.split()
        if len(fields) >= 3:
            mounts.append((fields[0], left.split()[4], fields[2]))
    return mounts


def _own_cgroups() -> list[tuple[str, str, str]]:
    """(hierarchy id, controllers, path) of the grader's own cgroups, from /proc/self/cgroup."""
    lines = Path("/proc/self/cgroup").read_text().splitlines()
    return [tuple(line.split(":", 2)) for line in lines if line.count(":") >= 2]  # type: ignore[misc]


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return ""


def _write(path: Path, value: str, ignore_errors: bool = False) -> None:
    try:
        path.write_text(value)
    except OSError:
        if not ignore_errors:
            raise
