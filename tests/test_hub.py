"""The course on a real JupyterHub with real Unix users, driven over HTTP as the browser drives it.

One instructor and two students (and one Unix user outside the roster) are created for the test
and removed afterwards, also when it fails. ``coursetools.hub`` sets the hub up in a folder of its
own (course, exchange, configuration, state); JupyterHub runs from the shared environment
(``python -m coursetools.hub env``, a prerequisite of ``make test``) on loopback ports the system
hands out and the test holds for it until it has bound them (:func:`reserved_ports`: no race). The steps: login, release through the Formgrader service, fetch and submit in the
students' own servers, grading with the course's grading command as the instructor, feedback for
each student only, isolation checked as each student with ``runuser`` (sources, verdicts and
gradebook included), and a summer-time
submission recorded at the right UTC time. The static checks of ``hub/z2jh`` and the roster need
no root.
"""
from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import nbformat
import pytest
import requests

from coursetools.grading import autograded_cells, student_notebook
from coursetools.hub import (COURSE_ID, DEFAULT_ENV, FORMGRADER_CSP, HUB_FILES, HubSettings, build_environment,
                             config_path, environment_ready, hub_command, hub_environment, release_feedback, setup)
from coursetools.hub_roster import Member, Roster, RosterError, create_users, read_roster, remove_users, user_exists

ASSIGNMENT = "01_gezielt_overfitten"
NOTEBOOK = "01_gezielt_overfitten"
DEADLINE = 300
"""Seconds any one wait may take: each is a few seconds on a quiet machine; the 2-core CI machine is often busy."""
GRADING_DEADLINE = 900
NICENESS = -10
"""The hub and the grading run ahead of other work on the machine (the test is root): JupyterHub gives the
Formgrader's JupyterLab 10 × 1 s to answer and exits otherwise, which a busy 2-core machine (load 9: a
10 s import) does not meet; and the test's budget should measure its own work, not its neighbours'."""
SUMMER_SUBMISSION = datetime(2025, 7, 1, 14, 0, tzinfo=timezone.utc)
"""16:00 in Berlin (CEST, UTC+2)."""


# ------------------------------------------------------------------------------------ static checks

def test_roster_gives_names_and_roles_and_refuses_bad_lines(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("# class of 2026\nusername,role\nmueller,instructor\n\nanna_b,Student\nbeate,student\n")
    assert read_roster(roster) == Roster((Member("mueller", "instructor"), Member("anna_b", "student"),
                                          Member("beate", "student")))
    for bad in ("username,role\nRoot Admin,instructor\n", "username,role\nanna,tutor\n",
                "username,role\nanna,student\n", "username,role\nx,instructor\nx,student\n", "name\nanna\n"):
        roster.write_text(bad)
        with pytest.raises(RosterError):
            read_roster(roster)


def test_z2jh_configuration_loads_and_sets_what_the_course_needs():
    """Static only: there is no Kubernetes here. The chart's ``values.schema.json`` (chart 4.4.0) is published
    only in its Helm repository (https://hub.jupyter.org/helm-chart/, not reachable here); no PyPI or npm package
    ships it (the JupyterHub packages there are spawners and tools, e.g. ``jupyterhub-kubespawner``). So the keys
    are checked against what the chart documents for 4.4.0, by hand, not against its schema."""
    import yaml

    z2jh = HUB_FILES / "z2jh"
    chart = yaml.safe_load((z2jh / "chart.yaml").read_text())
    assert chart["name"] == "jupyterhub" and [int(part) for part in chart["version"].split(".")] >= [4, 0, 0]
    values = yaml.safe_load((z2jh / "values.yaml").read_text())
    assert set(values) <= {"hub", "singleuser", "cull", "scheduling", "proxy", "prePuller", "ingress"}
    singleuser = values["singleuser"]
    assert singleuser["memory"]["limit"] and singleuser["cpu"]["limit"] and singleuser["image"]["name"]
    mounts = {mount["mountPath"] for mount in singleuser["storage"]["extraVolumeMounts"]}
    assert "/srv/nbgrader/exchange" in mounts and f"/srv/nbgrader/exchange" in singleuser["extraFiles"][
        "nbgrader-config"]["stringData"]
    assert COURSE_ID in values["hub"]["services"]
    assert f"access:services!service={COURSE_ID}" in json.dumps(values["hub"]["loadRoles"])
    assert "read:users:groups!user" in values["hub"]["config"]["KubeSpawner"]["server_token_scopes"]
    manifests = list(yaml.safe_load_all((z2jh / "formgrader.yaml").read_text()))
    assert {manifest["kind"] for manifest in manifests} == {"Secret", "PersistentVolumeClaim", "ConfigMap",
                                                             "Deployment", "Service"}
    assert FORMGRADER_CSP in json.dumps(manifests)


# ------------------------------------------------------------------------------------- the real hub

def cannot_run_reason() -> str | None:
    """Why the hub test cannot run here, or None."""
    if sys.platform != "linux" or os.geteuid() != 0:
        return "needs root on Linux (creates Unix users, runs JupyterHub with PAM and setuid spawning)"
    for tool in ("useradd", "userdel", "chpasswd", "runuser", "bwrap"):
        if shutil.which(tool) is None:
            return f"{tool} is missing"
    if not Path("/usr/bin/python3").exists() and not environment_ready():
        return "no shared environment and no /usr/bin/python3 to build it from (python -m coursetools.hub env)"
    return None


@contextmanager
def reserved_ports(count: int, ip: str = "127.0.0.1") -> Iterator[list[int]]:
    """Ports the system hands out, held for the hub until its processes have bound them: no race for them.

    JupyterHub 5 cannot take port 0 anywhere: it tells the proxy where the hub and the Formgrader
    service listen, and the proxy's API where to find it, before any of them runs, and the PyPI
    ``configurable-http-proxy`` reads ``--port 0`` as 8000. A unix socket works for the hub's own
    API only (``unix+http://``), but neither the PyPI proxy nor the users' servers (HubAuth) can
    connect to one. So each port is bound here to port 0 with ``SO_REUSEADDR`` and kept bound,
    not listening, while the hub starts: the system hands it to nobody else (``bind`` to port 0 and
    outgoing connections skip it, a plain ``bind`` to it fails), and the hub's processes, which
    bind with ``SO_REUSEADDR`` (tornado), take it over when they listen. The test then checks
    that the hub's own processes are the ones listening (:func:`listening_processes`).
    """
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((ip, 0))
            sockets.append(sock)
        yield [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def listening_processes(ports: Iterable[int]) -> dict[int, set[int]]:
    """Which processes listen on each of ``ports`` on IPv4 (from ``/proc/net/tcp`` and their file descriptors)."""
    inodes: dict[str, int] = {}
    wanted = set(ports)
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        port = int(fields[1].rsplit(":", 1)[1], 16)
        if fields[3] == "0A" and port in wanted:  # 0A: LISTEN
            inodes[f"socket:[{fields[9]}]"] = port
    found: dict[int, set[int]] = {port: set() for port in wanted}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                for descriptor in (entry / "fd").iterdir():
                    port = inodes.get(os.readlink(descriptor))
                    if port is not None:
                        found[port].add(int(entry.name))
            except (FileNotFoundError, PermissionError, ProcessLookupError):
                pass
    return found


def descends_from(pid: int, ancestor: int) -> bool:
    while pid > 1:
        if pid == ancestor:
            return True
        try:
            pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (FileNotFoundError, ProcessLookupError):
            return False
    return False


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_for(what: str, condition, deadline: float = DEADLINE, interval: float = 0.5):
    """Poll ``condition`` until it returns something true; fail with ``what`` after ``deadline`` seconds."""
    end = time.monotonic() + deadline
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > end:
            raise AssertionError(f"{what}: not within {deadline} s")
        time.sleep(interval)


def as_student(user: str, *command: str) -> subprocess.CompletedProcess:
    """Run ``command`` as ``user`` with a bare environment (as their terminal would, without the hub's token)."""
    home = pwd.getpwnam(user).pw_dir
    return subprocess.run(["runuser", "-u", user, "--", "env", "-i", f"HOME={home}", "PATH=/usr/bin:/bin",
                           *command], capture_output=True, text=True, timeout=120)


@dataclass
class Hub:
    """A running hub: where it answers, its settings, the test users and their passwords."""

    settings: HubSettings
    root: Path
    passwords: dict[str, str]
    outsider: str
    process: subprocess.Popen | None = None
    log: Path | None = None
    tokens: dict[str, str] = field(default_factory=dict)
    times: dict[str, float] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.settings.port}"

    @property
    def instructor(self) -> str:
        return self.settings.instructors[0]

    @property
    def students(self) -> list[str]:
        return self.settings.students

    @property
    def exchange_course(self) -> Path:
        return Path(self.settings.exchange_root) / COURSE_ID

    @property
    def course(self) -> Path:
        return Path(self.settings.course_dir)

    def login(self, user: str, password: str) -> requests.Response:
        """Post the login form as the browser does (with the XSRF cookie and field); return the answer."""
        session = requests.Session()
        session.get(f"{self.url}/hub/login", timeout=60)
        answer = session.post(f"{self.url}/hub/login", data={"username": user, "password": password,
                                                             "_xsrf": session.cookies.get("_xsrf")},
                              allow_redirects=False, timeout=120)
        answer.session = session  # type: ignore[attr-defined]
        return answer

    def token(self, user: str) -> dict[str, str]:
        """An API token the user asked for after logging in (as JupyterLab's token page does)."""
        if user not in self.tokens:
            session = self.login(user, self.passwords[user]).session  # type: ignore[attr-defined]
            answer = session.post(f"{self.url}/hub/api/users/{user}/tokens", json={"note": "test"}, timeout=60,
                                  headers={"X-XSRFToken": session.cookies.get("_xsrf", path="/hub/")})
            answer.raise_for_status()
            self.tokens[user] = answer.json()["token"]
        return {"Authorization": f"token {self.tokens[user]}"}

    def formgrader(self, user: str, method: str, path: str) -> requests.Response:
        return requests.request(method, f"{self.url}/services/{COURSE_ID}/formgrader{path}", headers=self.token(user),
                                timeout=DEADLINE)

    def server(self, user: str, method: str, path: str, **kwargs) -> requests.Response:
        answer = requests.request(method, f"{self.url}/user/{user}{path}", headers=self.token(user), timeout=DEADLINE,
                                  **kwargs)
        answer.raise_for_status()
        return answer

    def assignment_action(self, user: str, action: str) -> dict:
        """What the Assignment List's Fetch, Submit and Fetch Feedback buttons post."""
        answer = self.server(user, "POST", f"/assignments/{action}",
                             data={"course_id": COURSE_ID, "assignment_id": ASSIGNMENT}).json()
        assert answer.get("success"), f"{action} as {user}: {answer}"
        return answer


def start_hub(hub: Hub) -> None:
    """Start JupyterHub and wait until the hub API and the Formgrader service answer."""
    started = time.monotonic()
    hub.log = hub.root / "jupyterhub.log"
    with hub.log.open("w") as log:
        hub.process = subprocess.Popen(hub_command(hub.settings), cwd=hub.settings.state_dir,
                                       env=hub_environment(hub.settings), stdout=log, stderr=subprocess.STDOUT,
                                       start_new_session=True, preexec_fn=lambda: os.nice(NICENESS))

    def answering() -> bool:
        if hub.process.poll() is not None:
            raise RuntimeError(f"JupyterHub exited with {hub.process.returncode}:\n{hub.log.read_text()[-4000:]}")
        try:
            hub_up = requests.get(f"{hub.url}/hub/api/", timeout=10).status_code == 200
            service_up = requests.get(f"{hub.url}/services/{COURSE_ID}/api/status", timeout=10).status_code in (200, 403)
            return hub_up and service_up
        except requests.RequestException:
            return False

    wait_for("JupyterHub and the Formgrader service answer", answering)
    hub.times["hub start"] = time.monotonic() - started


def stop_hub(hub: Hub) -> None:
    """Stop the hub by its id (it stops the proxy, the service and the users' servers), wait for its ports to close."""
    if hub.process is not None and hub.process.poll() is None:
        hub.process.send_signal(signal.SIGTERM)
        try:
            hub.process.wait(timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            hub.process.kill()
            hub.process.wait()
    proxy_pid = Path(hub.settings.state_dir) / "jupyterhub-proxy.pid"
    if proxy_pid.is_file():  # a hub that failed to start leaves its proxy running (a session of its own), pid in here
        try:
            pid = int(proxy_pid.read_text())
            if b"configurable-http-proxy" in Path(f"/proc/{pid}/cmdline").read_bytes():
                os.kill(pid, signal.SIGKILL)
        except (FileNotFoundError, ProcessLookupError, ValueError):
            pass
    users = {pwd.getpwnam(name).pw_uid for name in [*hub.passwords, hub.outsider] if user_exists(name)}
    for pid in processes_of(users):  # left over only when the hub was killed: the test's own servers
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    settings = hub.settings
    ports = (settings.port, settings.hub_port, settings.proxy_api_port, settings.service_port)
    try:
        wait_for("the hub's ports close", lambda: not any(port_open(port) for port in ports))
    except AssertionError as error:
        raise AssertionError(f"{error}; listening on them: {listening_processes(ports)}") from None


def proportional_set_size(pid: int) -> int:
    """Bytes of memory a process accounts for, pages shared with others divided among them (``smaps_rollup``)."""
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) * 1024
    return 0


def processes_of(uids: set[int]) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid in uids:
                    pids.append(int(entry.name))
            except FileNotFoundError:
                pass
    return pids


@pytest.fixture(scope="module")
def hub(tmp_path_factory) -> Iterator[Hub]:
    reason = cannot_run_reason()
    if reason:
        pytest.skip(reason)
    if not environment_ready():  # `make test` builds it before the suite (make hub-env); minutes when new
        try:
            build_environment()
        except (OSError, subprocess.CalledProcessError) as error:
            pytest.skip(f"the shared environment {DEFAULT_ENV} is missing and could not be built: {error}")
    prefix = f"dlk{os.urandom(3).hex()}"
    instructor, students, outsider = f"{prefix}i", [f"{prefix}a", f"{prefix}b"], f"{prefix}x"
    root = Path(tempfile.mkdtemp(prefix="dlkurs-hub-", dir="/tmp"))
    os.chmod(root, 0o755)  # students' servers read the generated configuration below it
    (root / "roster.csv").write_text("username,role\n" + f"{instructor},instructor\n"
                                     + "".join(f"{student},student\n" for student in students))
    hub = None
    started = time.monotonic()
    try:
        roster = read_roster(root / "roster.csv")
        with reserved_ports(4) as ports:
            passwords = setup(roster, settings_for(roster, root, ports))
            outsider_roster = Roster((Member(outsider, "student"),))
            passwords.update(create_users(outsider_roster))
            hub = Hub(HubSettings.load(root / "etc" / "hub.json"), root, passwords, outsider)
            data = root / "data"  # the grader reads MNIST from a folder the instructor may read
            shutil.copytree(Path(os.environ.get("DLKURS_DATA", HUB_FILES.parent / "data")) / "MNIST", data / "MNIST")
            os.chmod(data, 0o755)
            hub.times["set-up (users, course, data)"] = time.monotonic() - started
            for attempt in range(3):
                try:
                    start_hub(hub)
                    break
                except (RuntimeError, AssertionError):
                    # JupyterHub waits for a managed service 10 times 1 s, then exits; on a busy machine the
                    # Formgrader's JupyterLab needs longer. The ports stay reserved: start again on them.
                    if attempt == 2 or f"Cannot connect to {COURSE_ID} service managed" not in hub.log.read_text():
                        raise
                    stop_hub(hub)
                    hub.times["hub restarts (Formgrader too slow)"] = attempt + 1
            listening = listening_processes(ports)
            assert all(pids and all(descends_from(pid, hub.process.pid) for pid in pids)
                       for pids in listening.values()), f"not the hub's processes on its ports: {listening}"
        yield hub
    finally:
        try:
            if hub is not None:
                stopping = time.monotonic()
                stop_hub(hub)
                hub.times["stop"] = time.monotonic() - stopping
        finally:  # also when the hub would not stop
            remove_users([instructor, *students, outsider])
            shutil.rmtree(root, ignore_errors=True)
        if hub is not None:
            hub.times["whole hub test"] = time.monotonic() - started
            print("\nhub timings (s):", {name: round(seconds, 1) for name, seconds in hub.times.items()})


def settings_for(roster: Roster, root: Path, ports: list[int]) -> HubSettings:
    return HubSettings(COURSE_ID, str(root / "srv" / "course"), str(root / "srv" / "exchange"), str(DEFAULT_ENV),
                       str(root / "etc"), str(root / "state"), roster.instructors, roster.students,
                       ip="127.0.0.1", port=ports[0], hub_port=ports[1], proxy_api_port=ports[2],
                       service_port=ports[3])


@pytest.mark.steps
class TestClassOnAHub:
    """One class on one hub, in order: every step needs the previous ones."""

    def test_login_takes_the_right_password_only_and_only_roster_members(self, hub):
        for user in [hub.instructor, *hub.students]:
            answer = hub.login(user, hub.passwords[user])
            assert answer.status_code == 302 and "jupyterhub-session-id" in answer.session.cookies, user
        assert hub.login(hub.students[0], hub.passwords[hub.students[0]] + "x").status_code == 403
        assert hub.login(hub.outsider, hub.passwords[hub.outsider]).status_code == 403  # a valid Unix login

    def test_instructor_releases_through_the_formgrader_and_a_student_is_refused(self, hub):
        page = hub.formgrader(hub.instructor, "GET", "")
        assert page.status_code == 200 and page.headers["Content-Security-Policy"] == FORMGRADER_CSP
        for step in ("assign", "release"):
            answer = hub.formgrader(hub.instructor, "POST", f"/api/assignment/{ASSIGNMENT}/{step}")
            assert answer.status_code == 200 and answer.json()["success"], answer.text[-2000:]
        assert (hub.exchange_course / "outbound" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").is_file()
        assert hub.formgrader(hub.students[0], "GET", "/api/assignments").status_code == 403
        assert hub.formgrader(hub.students[0], "POST", f"/api/assignment/{ASSIGNMENT}/release").status_code == 403

    def test_both_students_fetch_and_submit_from_their_own_servers(self, hub):
        started = time.monotonic()
        tokens = {student: hub.token(student) for student in hub.students}

        def spawn(student: str) -> requests.Response:
            return requests.post(f"{hub.url}/hub/api/users/{student}/server", headers=tokens[student], timeout=60)

        # At once, as two students would: the hub answers a spawn request only when the server is up or after
        # its slow_spawn_timeout (10 s), so one request after the other would start the servers one by one.
        with ThreadPoolExecutor(len(hub.students)) as pool:
            for student, answer in zip(hub.students, pool.map(spawn, hub.students)):
                assert answer.status_code in (201, 202), f"{student}: {answer.text}"
        for student in hub.students:
            wait_for(f"{student}'s server", lambda student=student: requests.get(
                f"{hub.url}/hub/api/users/{student}", headers=hub.token(student), timeout=60
            ).json()["servers"].get("", {}).get("ready"))
        hub.times["spawn two servers"] = time.monotonic() - started
        solved, blank = hub.students
        for student in hub.students:
            listed = hub.server(student, "GET", "/assignments", params={"course_id": COURSE_ID}).json()
            assert [item["assignment_id"] for item in listed["value"]] == [ASSIGNMENT], listed
            hub.assignment_action(student, "fetch")
        notebook = student_notebook(hub.course, ASSIGNMENT, NOTEBOOK, solved=True)
        hub.server(solved, "PUT", f"/api/contents/{ASSIGNMENT}/{NOTEBOOK}.ipynb",
                   json={"type": "notebook", "format": "json", "content": notebook})
        before = datetime.now(timezone.utc)
        for student in hub.students:
            hub.assignment_action(student, "submit")
        inbound = sorted(path.name for path in (hub.exchange_course / "inbound").iterdir())
        assert [name.split("+")[0] for name in inbound] == sorted(hub.students)
        for name in inbound:
            recorded = datetime.strptime(name.split("+")[2], "%Y-%m-%d %H:%M:%S.%f %Z").replace(tzinfo=timezone.utc)
            assert before - timedelta(seconds=5) <= recorded <= datetime.now(timezone.utc), name

    def test_grading_command_scores_as_in_the_single_user_round_trip(self, hub):
        started = time.monotonic()
        environment = {"HOME": pwd.getpwnam(hub.instructor).pw_dir, "PATH": f"{hub.settings.environment}/bin:/usr/bin:/bin",
                       "DLKURS_DATA": str(hub.root / "data"), "LANG": "C.UTF-8"}
        graded = subprocess.run(
            ["nice", "-n", str(NICENESS), "runuser", "-u", hub.instructor, "--", "env", "-i",
             *(f"{key}={value}" for key, value in environment.items()),
             f"{hub.settings.environment}/bin/python", "-m", "coursetools.grade", ASSIGNMENT, "--from-exchange",
             "--course", str(hub.course)],
            cwd=hub.course, capture_output=True, text=True, timeout=GRADING_DEADLINE)
        hub.times["grading"] = time.monotonic() - started
        assert graded.returncode == 0, graded.stdout[-3000:] + graded.stderr[-3000:]
        from nbgrader.api import Gradebook

        maximum = autograded_cells(hub.course, ASSIGNMENT, NOTEBOOK)
        solved, blank = hub.students
        with Gradebook(f"sqlite:///{hub.course / 'gradebook.db'}") as gradebook:
            scores = {student: {grade.name: grade.score for grade in
                                gradebook.find_submission_notebook(NOTEBOOK, ASSIGNMENT, student).grades
                                if grade.name in maximum} for student in hub.students}
        assert scores[solved] == maximum
        assert scores[blank] == dict.fromkeys(maximum, 0.0)

    def test_feedback_is_released_to_each_student_alone(self, hub):
        given = release_feedback(hub.settings, ASSIGNMENT)
        assert sorted(given) == sorted(hub.students)
        for student, files in given.items():
            for released in files:
                status = released.stat()
                assert (status.st_uid, status.st_mode & 0o777) == (pwd.getpwnam(student).pw_uid, 0o400)
        for student in hub.students:
            hub.assignment_action(student, "fetch_feedback")
            fetched = list((Path(pwd.getpwnam(student).pw_dir) / ASSIGNMENT / "feedback").glob("*/*.html"))
            assert len(fetched) == 1, fetched
            generated = {name: (hub.course / "feedback" / name / ASSIGNMENT / f"{NOTEBOOK}.html").read_bytes()
                         for name in hub.students}
            other = next(name for name in hub.students if name != student)
            assert fetched[0].read_bytes() == generated[student] != generated[other]
            assert as_student(student, "cat", str(given[other][0])).returncode != 0

    def test_students_cannot_see_or_touch_what_is_not_theirs(self, hub):
        inbound = hub.exchange_course / "inbound"
        submissions = {path.name.split("+")[0]: path for path in inbound.iterdir()}
        verdicts = hub.course / "verdicts" / ASSIGNMENT / f"{NOTEBOOK}.py"  # decide the grades (grading read it)
        assert verdicts.is_file()
        for path in (hub.course / "verdicts", verdicts.parent, verdicts):  # private even inside the course folder
            assert path.stat().st_mode & 0o077 == 0 and path.stat().st_uid == pwd.getpwnam(hub.instructor).pw_uid, path
        for student in hub.students:
            other = next(name for name in hub.students if name != student)
            other_home = Path(pwd.getpwnam(other).pw_dir)
            refused = {
                "list the other's home": ["ls", str(other_home)],
                "read the other's notebook": ["cat", str(other_home / ASSIGNMENT / f"{NOTEBOOK}.ipynb")],
                "list the inbound folder": ["ls", str(inbound)],
                "list the instructor's course": ["ls", str(hub.course)],
                "read the sources": ["cat", str(hub.course / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb")],
                "read the gradebook": ["cat", str(hub.course / "gradebook.db")],
                "list the verdicts": ["ls", str(hub.course / "verdicts" / ASSIGNMENT)],
                "read the verdicts": ["cat", str(verdicts)],
                "rename the course in the exchange": ["mv", str(hub.exchange_course), f"{hub.exchange_course}-mine"],
                "delete the released assignment": ["rm", "-rf", str(hub.exchange_course / "outbound" / ASSIGNMENT)],
                "rename the other's submission": ["mv", str(submissions[other]), f"{inbound}/{student}+stolen"],
                "delete the other's submission": ["rm", "-rf", str(submissions[other])],
                "list the released feedback": ["ls", str(hub.exchange_course / "feedback")],
            }
            for what, command in refused.items():
                assert as_student(student, *command).returncode != 0, f"{student} could {what}"
            assert as_student(student, "ls", str(submissions[student])).returncode == 0  # their own, by name
        assert (hub.exchange_course / "outbound" / ASSIGNMENT).is_dir() and len(list(inbound.iterdir())) == 2

    def test_a_summer_time_submission_is_recorded_at_the_right_utc_time(self, hub):
        student = hub.students[0]
        home = pwd.getpwnam(student).pw_dir
        frozen_clock = (
            "import datetime, sys, types\n"
            "import nbgrader.exchange.abc.exchange as exchange\n"
            "class Summer(datetime.datetime):\n"
            "    @classmethod\n"
            "    def now(cls, tz=None):\n"
            f"        return datetime.datetime.fromtimestamp({SUMMER_SUBMISSION.timestamp()}, tz)\n"
            "exchange.datetime = types.SimpleNamespace(datetime=Summer)\n"
            "from nbgrader.apps.nbgraderapp import main\n"
            f"sys.argv = ['nbgrader', 'submit', {ASSIGNMENT!r}]\n"
            "main()\n")
        environment = {"HOME": home, "PATH": f"{hub.settings.environment}/bin:/usr/bin:/bin", "TZ": "Europe/Berlin",
                       "JUPYTER_CONFIG_PATH": config_path(hub.settings, "student"), "JUPYTERHUB_USER": student,
                       "JUPYTERHUB_API_URL": f"http://127.0.0.1:{hub.settings.hub_port}/hub/api",
                       "JUPYTERHUB_API_TOKEN": hub.tokens[student]}
        submitted = subprocess.run(
            ["runuser", "-u", student, "--", "env", "-i", *(f"{key}={value}" for key, value in environment.items()),
             f"{hub.settings.environment}/bin/python", "-c", frozen_clock],
            cwd=home, capture_output=True, text=True, timeout=DEADLINE)
        assert submitted.returncode == 0, submitted.stdout[-2000:] + submitted.stderr[-2000:]
        (summer,) = [path for path in (hub.exchange_course / "inbound").iterdir() if "+2025-07-01 " in path.name]
        assert summer.name.split("+")[2] == "2025-07-01 14:00:00.000000 UTC"
        assert (summer / "timestamp.txt").read_text() == "2025-07-01 14:00:00.000000 UTC"
        from nbgrader.utils import parse_utc

        assert parse_utc((summer / "timestamp.txt").read_text()) == SUMMER_SUBMISSION.replace(tzinfo=None)

    def test_idle_servers_are_small(self, hub):
        """Not a limit the course sets: a record of what one idle JupyterLab costs, for the sizing in the README."""
        uids = {pwd.getpwnam(student).pw_uid for student in hub.students}
        resident = {pid: int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
                    for pid in processes_of(uids)}
        assert resident and max(resident.values()) < 400 * 2**20, resident
        hub.times["idle server MiB (RSS)"] = max(resident.values()) / 2**20
        proportional = [proportional_set_size(pid) for pid in resident]  # shared pages split among the servers
        hub.times["idle server MiB (PSS)"] = max(proportional) / 2**20
        hub_pages = int(Path(f"/proc/{hub.process.pid}/statm").read_text().split()[1])
        hub.times["hub MiB"] = hub_pages * os.sysconf("SC_PAGE_SIZE") / 2**20
