"""The kernel's sandbox: what it can read and write, what it may use, and what it leaves behind.

Most tests run small commands under bubblewrap directly (seconds each, no grading run). They run
as whoever runs the suite; the grader runs as root on the course's machines and in CI, where the
capability tests matter most. Tests of a cgroup limit are skipped where the machine gives the
grader no cgroup (the sandbox then falls back to per-process limits, tested as well).
"""
from __future__ import annotations

import errno
import os
import select
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import nbformat
import pytest

from coursetools import sandbox
from coursetools.cgroups import Cgroup, CgroupLimits, cgroup_unavailable_reason, create_cgroup
from coursetools.sandbox import ADDRESS_SPACE_ALLOWANCE, Limits, Sandbox, SandboxedExecute, slot_cpu_sets

TIMEOUT = 120
"""Seconds any sandboxed command may take: generous, the machine may be loaded."""
SMALL = Limits(memory_bytes=256 * 2**20, cpu_seconds=60, max_processes=64, file_bytes=2**20)


@pytest.fixture
def course_file(tmp_path: Path, monkeypatch) -> Path:
    """A file of the course that the sandbox binds read-only (instead of dlkurs and the data)."""
    path = tmp_path / "course" / "dlkurs" / "data.txt"
    path.parent.mkdir(parents=True)
    path.write_text("Daten")
    monkeypatch.setattr(sandbox, "course_data", lambda: ([path.parent], {}))
    return path


def make_box(tmp_path: Path, limits: Limits = SMALL, cgroup: Cgroup | None = None) -> Sandbox:
    box = Sandbox(tmp_path / "work", tmp_path / "run", limits, cgroup)
    box.workdir.mkdir(exist_ok=True)
    box.runtime_dir.mkdir(exist_ok=True)
    return box


@pytest.fixture
def box(tmp_path: Path, course_file: Path) -> Sandbox:
    """A sandbox with small per-process limits and no cgroup."""
    return make_box(tmp_path)


@pytest.fixture
def cgroup_box(tmp_path: Path, course_file: Path) -> Iterator[Sandbox]:
    """A sandbox in a cgroup of its own: 256 MiB, 64 processes; skipped where no cgroup can be made."""
    cgroup = create_cgroup(f"test-{tmp_path.name[-20:]}", CgroupLimits(SMALL.memory_bytes, SMALL.max_processes, ()))
    if cgroup is None:
        pytest.skip(f"no cgroup on this machine: {cgroup_unavailable_reason()}")
    yield make_box(tmp_path, SMALL, cgroup)
    cgroup.remove()


def run_inside(box: Sandbox, *command: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(box.command(list(command)), capture_output=True, text=True, timeout=TIMEOUT, **kwargs)


def python_inside(box: Sandbox, code: str) -> subprocess.CompletedProcess:
    return run_inside(box, sys.executable, "-c", code)


def eventually(condition: Callable[[], bool], timeout: float = TIMEOUT) -> bool:
    """Whether ``condition`` becomes true within ``timeout`` seconds (polled, not a fixed wait)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


# ------------------------------------------------------------------------------- what it sees

def test_course_files_under_tmp_are_readable_but_not_writable(box: Sandbox, course_file: Path):
    """A checkout under /tmp (CI clones there): its .venv and dlkurs must not vanish behind the sandbox's own /tmp."""
    assert run_inside(box, "cat", str(course_file)).stdout == "Daten"
    assert run_inside(box, "touch", str(course_file.parent / "new")).returncode != 0


def test_the_sandbox_has_an_empty_tmp_of_its_own(box: Sandbox, tmp_path: Path):
    secret = tmp_path / "secret.txt"
    secret.write_text("geheim")
    assert run_inside(box, "cat", str(secret)).returncode != 0
    assert run_inside(box, "touch", "/tmp/scratch").returncode == 0


# ------------------------------------------------------------------- no privileges, even as root

def test_a_read_only_bind_cannot_be_remounted_writable(box: Sandbox, course_file: Path):
    folder = course_file.parent
    result = run_inside(box, "sh", "-c", f"mount -o remount,bind,rw {folder} && touch {folder}/x")
    assert result.returncode != 0
    assert not (course_file.parent / "x").exists()
    assert course_file.read_text() == "Daten"


def test_kernel_settings_in_proc_sys_are_read_only(box: Sandbox):
    result = run_inside(box, "sh", "-c", "echo 1 > /proc/sys/kernel/ns_last_pid")
    assert result.returncode != 0
    assert "Read-only" in result.stderr


def test_the_sandbox_has_no_capabilities(box: Sandbox):
    status = dict(line.split(":\t") for line in run_inside(box, "cat", "/proc/self/status").stdout.splitlines()
                  if ":\t" in line)
    assert int(status["CapEff"], 16) == 0
    assert int(status["CapPrm"], 16) == 0
    assert int(status["CapBnd"], 16) == 0


def test_a_nested_user_namespace_cannot_be_created(box: Sandbox):
    result = run_inside(box, "unshare", "--user", "true")
    assert result.returncode != 0


# ------------------------------------------------------------------------------------- memory

@pytest.mark.parametrize("folder", ["/tmp", "/dev/shm"])
def test_a_file_in_tmpfs_beyond_its_share_of_the_budget_fails(box: Sandbox, folder: str):
    """Many files, each within the file-size cap: only the size of the tmpfs stops them."""
    result = python_inside(box, f"""
written = 0
try:
    for number in range({4 * SMALL.tmpfs_bytes // SMALL.file_bytes}):
        with open(f"{folder}/part{{number}}", "wb") as file:
            file.write(bytes({SMALL.file_bytes}))
        written += {SMALL.file_bytes}
except OSError as error:
    print("refused", error.errno, written)
else:
    print("written", written)
""")
    verdict, code, written = result.stdout.split()
    assert verdict == "refused" and int(code) == errno.ENOSPC, result.stdout + result.stderr
    assert int(written) <= SMALL.tmpfs_bytes


def test_a_shared_mapping_beyond_the_budget_kills_the_kernel(cgroup_box: Sandbox):
    """Shared memory is not heap (RLIMIT_DATA misses it): the cgroup counts it with everything else."""
    result = python_inside(cgroup_box, f"""
import mmap
mapping = mmap.mmap(-1, {2 * SMALL.memory_bytes})
for offset in range(0, len(mapping), mmap.PAGESIZE):
    mapping[offset] = 1
print("touched")
""")
    assert "touched" not in result.stdout
    assert result.returncode != 0


def test_without_a_cgroup_a_mapping_beyond_the_address_space_limit_fails(box: Sandbox):
    """The fallback: shared mappings are bounded per process, by the address space (budget plus allowance)."""
    result = python_inside(box, f"""
import mmap
try:
    mmap.mmap(-1, {SMALL.memory_bytes + ADDRESS_SPACE_ALLOWANCE})
    print("mapped")
except OSError as error:
    print("refused", error.errno)
""")
    assert result.stdout.split() == ["refused", str(errno.ENOMEM)], result.stderr


# -------------------------------------------------------------------------- processes and files

def test_a_fork_bomb_stops_at_the_process_cap_and_leaves_nothing_behind(tmp_path: Path, course_file: Path):
    """Tries 10 000 processes under a cap of 256, with a hard timeout; never an unbounded fork bomb."""
    limits = Limits(memory_bytes=2**30, cpu_seconds=60, max_processes=256)
    cgroup = create_cgroup(f"bomb-{tmp_path.name[-20:]}", CgroupLimits(limits.memory_bytes, limits.max_processes, ()))
    box = make_box(tmp_path, limits, cgroup)
    if not box.caps_processes:
        pytest.skip("no process cap: root without a cgroup (RLIMIT_NPROC does not apply to root)")
    try:
        result = python_inside(box, """
import os
release, hold = os.pipe()
started = 0
for _ in range(10_000):
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        os.close(hold)
        os.read(release, 1)  # blocks until the parent closes its end
        os._exit(0)
    started += 1
os.close(hold)
print(started)
""")
        started = int(result.stdout)
        assert 100 < started < limits.max_processes
        if cgroup is not None:
            assert eventually(lambda: not cgroup.pids()), "Prozesse der Sandbox leben noch"
    finally:
        if cgroup is not None:
            cgroup.remove()
    assert subprocess.run(["true"], timeout=TIMEOUT).returncode == 0


def test_a_file_beyond_the_size_cap_fails(box: Sandbox):
    result = python_inside(box, f"""
try:
    with open("big", "wb") as file:
        file.write(bytes({2 * SMALL.file_bytes}))
    print("written")
except OSError as error:
    print("refused", error.errno)
""")
    assert result.stdout.split() == ["refused", str(errno.EFBIG)], result.stderr
    assert (box.workdir / "big").stat().st_size <= SMALL.file_bytes


@pytest.mark.parametrize("ending", ["exits", "is_killed"])
def test_a_detached_spinner_dies_with_the_sandbox(box: Sandbox, ending: str):
    """A double-forked, setsid busy loop holds a pipe open; the pipe reaches EOF only once it is dead.

    The sandbox's main process ends (``exits``: on its own once the spinner runs; ``is_killed``:
    SIGKILL, as the kernel manager kills a kernel that does not shut down) and takes it along.
    """
    ready_read, ready_write = os.pipe()
    alive_read, alive_write = os.pipe()
    go_read, go_write = os.pipe()
    spinner = f'(setsid sh -c "echo > /dev/fd/{ready_write}; while :; do :; done" &); '
    main = f"read line < /dev/fd/{go_read}; exit 0" if ending == "exits" else "exec sleep 600"
    process = subprocess.Popen(box.command(["sh", "-c", spinner + main]),
                               pass_fds=(ready_write, alive_write, go_read))
    for end in (ready_write, alive_write, go_read):
        os.close(end)
    try:
        assert select.select([ready_read], [], [], TIMEOUT)[0], "der Spinner ist nicht gestartet"
        assert os.read(ready_read, 1) == b"\n"
        if ending == "exits":
            os.close(go_write)  # the main process reads EOF and exits
        else:
            process.kill()
        process.wait(TIMEOUT)
        assert select.select([alive_read], [], [], TIMEOUT)[0], "der Spinner läuft noch"
        assert os.read(alive_read, 1) == b""
    finally:
        process.kill()
        process.wait(TIMEOUT)
        for end in (ready_read, alive_read, go_write):
            try:
                os.close(end)
            except OSError:
                pass


# ------------------------------------------------------------------------------------------ CPUs

def test_slots_get_cpus_of_their_own_where_there_are_enough():
    assert slot_cpu_sets(2, [0, 1, 2, 3]) == [(0, 1), (2, 3)]
    assert slot_cpu_sets(3, [0, 1, 2, 3]) == [(0, 1), (2,), (3,)]
    assert slot_cpu_sets(3, [4, 5]) == [(4,), (5,), (4,)]


def test_the_kernel_runs_on_its_slots_cpus(tmp_path: Path, course_file: Path):
    slot = (min(os.sched_getaffinity(0)),)
    box = make_box(tmp_path, Limits(memory_bytes=2**30, cpus=slot))
    result = python_inside(box, "import os; print(*sorted(os.sched_getaffinity(0)))")
    assert tuple(map(int, result.stdout.split())) == slot
    assert box.environment()["OMP_NUM_THREADS"] == "1"


def test_in_a_cgroup_the_kernel_cannot_widen_its_cpu_set(tmp_path: Path, course_file: Path):
    everything = sorted(os.sched_getaffinity(0))
    if len(everything) < 2:
        pytest.skip("needs at least two CPUs")
    slot = (everything[0],)
    cgroup = create_cgroup(f"cpus-{tmp_path.name[-20:]}", CgroupLimits(2**30, 64, slot))
    if cgroup is None or "cpuset" not in cgroup.controllers:
        if cgroup is not None:
            cgroup.remove()
        pytest.skip("no cpuset controller: a process may widen its own affinity")
    try:
        result = python_inside(make_box(tmp_path, Limits(memory_bytes=2**30, cpus=slot), cgroup), f"""
import os
try:
    os.sched_setaffinity(0, {everything})
except OSError:
    pass
print(*sorted(os.sched_getaffinity(0)))
""")
        assert tuple(map(int, result.stdout.split())) == slot
    finally:
        cgroup.remove()


# ---------------------------------------------------------------------------------------- output

def test_output_beyond_the_budget_is_dropped_but_errors_and_stderr_still_fail_their_cells(
        tmp_path: Path, course_file: Path):
    """A tiny real execution: a flood of output is cut with a German note; what fails a cell is never lost."""
    (tmp_path / "work").mkdir()
    (tmp_path / "run").mkdir()
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("for _ in range(50):\n    print('x' * 10_000)"),
        nbformat.v4.new_code_cell("print('noch mehr')\nraise ValueError('kaputt ' * 100_000)"),
        nbformat.v4.new_code_cell("import sys\nsys.stderr.write('Warnung ' * 10_000)"),
        nbformat.v4.new_code_cell("print('nichts')"),
    ])
    execute = SandboxedExecute(workdir=str(tmp_path / "work"), runtime_dir=str(tmp_path / "run"),
                               max_output_bytes=100_000, memory_bytes=2**30, timeout=TIMEOUT)
    executed, _ = execute.preprocess(notebook, {"metadata": {"path": str(tmp_path / "work")}})
    flood, error, stderr, quiet = (cell.outputs for cell in executed.cells)
    kept = sum(len(output.get("text", "")) for output in flood)
    assert kept <= 100_000 + 1000
    assert "Ausgabe gekürzt" in flood[-1].text and flood[-1].name == "stdout"
    assert [output.ename for output in error if output.output_type == "error"] == ["ValueError"]
    assert len(error[-1].evalue) < 20_000
    assert any(output.get("name") == "stderr" and "Ausgabe gekürzt" in output.text for output in stderr)
    assert all("Ausgabe gekürzt" in output.text for output in quiet)
    assert len(nbformat.writes(executed)) < 300_000
