"""The course on one JupyterHub server: build the shared environment, set the hub up, start it.

    python -m coursetools.hub env                              # /opt/dlkurs/venv from /usr/bin/python3
    python -m coursetools.hub setup --roster roster.csv        # users, course, exchange, configuration
    python -m coursetools.hub start                            # run JupyterHub (in the foreground)
    python -m coursetools.hub release-feedback 01_gezielt_overfitten

All but ``start`` need root. ``setup`` writes every setting to ``<etc>/hub.json`` (default
``/etc/dlkurs/hub.json``), which ``hub/jupyterhub_config.py`` reads; the Jupyter configuration that
students' servers and the Formgrader service read is generated below ``<etc>/jupyter/``.
"""
from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .hub_exchange import carry_submission_secrets, prepare_exchange, restrict_feedback
from .hub_roster import Roster, create_users, read_roster

CHECKOUT = Path(__file__).resolve().parent.parent
HUB_FILES = CHECKOUT / "hub"
COURSE_ID = "dlkurs-overfitting"
"""The course's nbgrader course id (``nbgrader_config.py``); also the Formgrader service's name."""
SYSTEM_PYTHON = Path("/usr/bin/python3")
DEFAULT_ENV = Path("/opt/dlkurs/venv")
DEFAULT_ETC = Path("/etc/dlkurs")
SETTINGS_ENV_VAR = "DLKURS_HUB_SETTINGS"
STUDENT_LAB_PLUGINS_OFF = ("@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                           "@jupyter/nbgrader:course-list")
"""What students do not need in JupyterLab: they keep the Assignment List and Validate."""
FORMGRADER_CSP = "frame-ancestors 'self'"
"""JupyterHub ≥ 4.1 sends ``frame-ancestors 'none'``, which blanks the Formgrader's iframe in JupyterLab
(nbgrader #1870). Only the Formgrader service gets ``'self'``; students' servers keep ``'none'``."""


@dataclass(frozen=True)
class HubSettings:
    """Everything ``hub/jupyterhub_config.py`` needs; stored as JSON by ``setup``."""

    course_id: str
    course_dir: str
    exchange_root: str
    environment: str
    etc_dir: str
    state_dir: str
    instructors: list[str]
    students: list[str]
    ip: str = "127.0.0.1"
    port: int = 8000
    hub_port: int = 8081
    proxy_api_port: int = 8001
    service_port: int = 9999

    @property
    def path(self) -> Path:
        return Path(self.etc_dir) / "hub.json"

    def save(self) -> Path:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(dataclasses.asdict(self), indent=2) + "\n")
        os.chmod(self.path, 0o644)
        return self.path

    @classmethod
    def load(cls, path: Path) -> HubSettings:
        return cls(**json.loads(path.read_text()))


# --------------------------------------------------------------------------------- shared environment

def _fingerprint(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def requirements_fingerprint(checkout: Path = CHECKOUT) -> str:
    """A hash of the pinned requirements: the environment's packages are reinstalled when it changes."""
    return _fingerprint([checkout / "requirements.txt", checkout / "hub" / "requirements.txt",
                         checkout / "jupyter" / "overrides.json"])


def package_fingerprint(checkout: Path = CHECKOUT) -> str:
    """A hash of the course's own code: its copy in the environment is replaced when it changes."""
    return _fingerprint([checkout / "pyproject.toml", *_package_files(checkout, "dlkurs", "*.py"),
                         *_package_files(checkout, "dlkurs", "*.json"), *_package_files(checkout, "coursetools", "*.py")])


def _package_files(checkout: Path, package: str, pattern: str) -> list[Path]:
    """The package's files matching ``pattern``, its subpackages' included (e.g. ``coursetools/probes``)."""
    return sorted(path for path in (checkout / package).rglob(pattern) if "__pycache__" not in path.parts)


def subpackages(checkout: Path = CHECKOUT) -> list[str]:
    """The dotted names of ``dlkurs``, ``coursetools`` and every package folder below them."""
    return sorted(".".join(init.parent.relative_to(checkout).parts)
                  for name in ("dlkurs", "coursetools") for init in (checkout / name).rglob("__init__.py")
                  if "__pycache__" not in init.parts)


def _stamp(environment: Path, kind: str) -> Path:
    return environment / f".dlkurs-{kind}"


def environment_ready(environment: Path = DEFAULT_ENV, checkout: Path = CHECKOUT) -> bool:
    """Whether ``environment`` was built from this checkout's requirements and holds its current code."""
    return all(_stamp(environment, kind).is_file() and _stamp(environment, kind).read_text().strip() == expected
               for kind, expected in (("requirements", requirements_fingerprint(checkout)),
                                      ("package", package_fingerprint(checkout))))


def build_environment(environment: Path = DEFAULT_ENV, python: Path = SYSTEM_PYTHON, checkout: Path = CHECKOUT) -> None:
    """Build (or bring up to date) the environment all users share: pinned requirements, the hub, ``dlkurs``.

    It is made from the system's Python (a Python below ``/root`` cannot be read by students) and
    made world-readable. The course package is installed as a copy, not linked to the checkout,
    so students need no access to the instructor's files. Steps whose inputs did not change are skipped:
    a change of the course's code only reinstalls the package (seconds), new pins reinstall packages.
    """
    pip = [str(environment / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    if not (environment / "bin" / "python").exists():
        subprocess.run([str(python), "-m", "venv", str(environment)], check=True)
    requirements = requirements_fingerprint(checkout)
    if not (_stamp(environment, "requirements").is_file()
            and _stamp(environment, "requirements").read_text().strip() == requirements):
        subprocess.run([*pip, "-r", str(checkout / "requirements.txt"), "-r", str(checkout / "hub" / "requirements.txt")],
                       check=True)
        jupyter = str(environment / "bin" / "jupyter")
        for extension in ("assignment_list", "validate_assignment"):
            subprocess.run([jupyter, "server", "extension", "enable", "--sys-prefix",
                            f"nbgrader.server_extensions.{extension}"], check=True, capture_output=True)
        for extension in ("formgrader", "course_list"):  # the Formgrader service turns these on for itself
            subprocess.run([jupyter, "server", "extension", "disable", "--sys-prefix",
                            f"nbgrader.server_extensions.{extension}"], check=True, capture_output=True)
        settings = environment / "share" / "jupyter" / "lab" / "settings"
        settings.mkdir(parents=True, exist_ok=True)
        shutil.copy(checkout / "jupyter" / "overrides.json", settings / "overrides.json")
    with tempfile.TemporaryDirectory(prefix="dlkurs-package-") as copy:
        for name in ("dlkurs", "coursetools"):
            shutil.copytree(checkout / name, Path(copy) / name, ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy(checkout / "pyproject.toml", copy)
        subprocess.run([*pip, "--no-deps", "--no-build-isolation", "--force-reinstall", copy], check=True)
    missing = subprocess.run(  # setuptools installs only the packages pyproject.toml names, not their subpackages
        [str(environment / "bin" / "python"), "-c", "import importlib.util, sys\n"
         "print(*[name for name in sys.argv[1:] if importlib.util.find_spec(name) is None])", *subpackages(checkout)],
        cwd="/", check=True, capture_output=True, text=True).stdout.split()
    if missing:
        raise SystemExit(f"{environment}: the course's packages {', '.join(missing)} were not installed; "
                         "add them to [tool.setuptools] packages in pyproject.toml")
    subprocess.run(["chmod", "-R", "a+rX", str(environment)], check=True)
    _stamp(environment, "requirements").write_text(requirements + "\n")
    _stamp(environment, "package").write_text(package_fingerprint(checkout) + "\n")


# ----------------------------------------------------------------------------------- configuration

def nbgrader_system_config(settings: HubSettings) -> str:
    """The nbgrader configuration every user's server reads (the course's own config adds to it for graders)."""
    return "\n".join([
        '"""nbgrader on the hub, for every user (written by `python -m coursetools.hub setup`)."""',
        "from nbgrader.auth import JupyterHubAuthPlugin",
        "",
        "c = get_config()  # noqa: F821",
        f"c.CourseDirectory.course_id = {settings.course_id!r}",
        f"c.Exchange.root = {settings.exchange_root!r}",
        "# Times are recorded in UTC. A named zone here (e.g. Europe/Berlin) makes nbgrader write 'CEST' into",
        "# timestamps, which it later reads back as UTC: summer submissions would count two hours late.",
        "# Write due dates with an explicit offset instead, e.g. '2025-07-01 23:59:00 +02:00'.",
        'c.Exchange.timezone = "UTC"',
        "# Submission folders end in a random string: nobody can guess (and so open) another student's submission.",
        "c.ExchangeSubmit.add_random_string = True",
        "# Students see the assignments of the courses whose JupyterHub group (nbgrader-<course_id>) they are in.",
        "c.Authenticator.plugin_class = JupyterHubAuthPlugin",
        "",
    ])


def server_config(extensions: dict[str, bool], csp: str | None = None) -> dict:
    """A ``jupyter_server_config.json``: server extensions switched on or off, optionally a CSP header."""
    config: dict = {"ServerApp": {"jpserver_extensions": {f"nbgrader.server_extensions.{name}": on
                                                         for name, on in extensions.items()}}}
    if csp:
        config["ServerApp"]["tornado_settings"] = {"headers": {"Content-Security-Policy": csp}}
    return config


def write_jupyter_config(settings: HubSettings) -> None:
    """Generate ``<etc>/jupyter/{common,student,formgrader}``: what students' servers and the Formgrader read."""
    base = Path(settings.etc_dir) / "jupyter"
    files = {
        base / "common" / "nbgrader_config.py": nbgrader_system_config(settings),
        base / "student" / "jupyter_server_config.json": json.dumps(
            server_config({"formgrader": False, "course_list": False}), indent=2),
        base / "student" / "labconfig" / "page_config.json": json.dumps(
            {"disabledExtensions": dict.fromkeys(STUDENT_LAB_PLUGINS_OFF, True)}, indent=2),
        base / "formgrader" / "jupyter_server_config.json": json.dumps(
            server_config({"formgrader": True, "course_list": True, "assignment_list": False}, FORMGRADER_CSP),
            indent=2),
    }
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + ("" if text.endswith("\n") else "\n"))
    subprocess.run(["chmod", "-R", "a+rX,go-w", str(base)], check=True)


def config_path(settings: HubSettings, role: str) -> str:
    """``JUPYTER_CONFIG_PATH`` for a student's server (``student``) or the Formgrader (``formgrader``)."""
    base = Path(settings.etc_dir) / "jupyter"
    return os.pathsep.join([str(base / role), str(base / "common")])


# ------------------------------------------------------------------------------------------- set-up

COURSE_FOLDERS = ("source", "release", "verdicts")
"""What the hub's course folder gets from the checkout: sources, released versions and the verdicts
(``verdicts/<assignment>/<notebook>.py``, which decide every autograded test in the grader,
:mod:`coursetools.verdicts`; grading fails without them)."""
PRIVATE_FOLDERS = ("verdicts",)
"""Read by the instructor's grading command only: 0700/0600 on top of the course folder's 0700."""


def install_course(course_dir: Path, instructor: str, checkout: Path = CHECKOUT) -> None:
    """Copy the course (sources, released versions, verdicts, nbgrader config) to ``course_dir``, owned by the
    instructor, 0700; the verdicts in addition 0700/0600.

    An existing course folder is left as it is (its gradebook and submissions are the class's state);
    only a folder it lacks is added (e.g. ``verdicts/`` in a course set up before grading needed it).
    """
    course_dir.mkdir(parents=True, exist_ok=True)
    for name in COURSE_FOLDERS:
        if not (course_dir / name).exists():
            shutil.copytree(checkout / name, course_dir / name, ignore=shutil.ignore_patterns("__pycache__"))
    if not (course_dir / "nbgrader_config.py").exists():
        shutil.copy(checkout / "nbgrader_config.py", course_dir)
    account = pwd.getpwnam(instructor)
    subprocess.run(["chown", "-R", "--no-dereference", f"{account.pw_uid}:{account.pw_gid}", str(course_dir)],
                   check=True)
    for name in PRIVATE_FOLDERS:
        subprocess.run(["chmod", "-R", "go-rwx", str(course_dir / name)], check=True)
    os.chmod(course_dir, 0o700)


def link_exchange(course_dir: Path, exchange_root: Path) -> None:
    """Make the course's own ``exchange`` (``nbgrader_config.py`` names ``<course>/exchange``) the hub's exchange."""
    link = course_dir / "exchange"
    if link.is_symlink():
        link.unlink()
    elif link.is_dir():
        if any(link.iterdir()):
            raise SystemExit(f"{link} holds files of a local exchange: move them into {exchange_root} first")
        link.rmdir()
    link.symlink_to(exchange_root, target_is_directory=True)
    owner = os.stat(course_dir)
    os.lchown(link, owner.st_uid, owner.st_gid)


def prepare_data(environment: Path, source: Path) -> Path:
    """Copy the datasets into the environment's data folder (read-only for users) and decode CIFAR once.

    ``dlkurs`` installed in ``environment`` finds them there without any variable; the decoded
    tensors go to ``data/tensor-cache``, which every user's ``dlkurs`` reads.
    """
    target = environment / "share" / "dlkurs" / "data"
    if not target.exists():
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("tensor-cache"))
    python = environment / "bin" / "python"
    if (target / "cifar10").is_dir():
        subprocess.run([str(python), "-c", "import dlkurs; dlkurs.load_cifar2()"], check=True,
                       env=dict(os.environ, DLKURS_CACHE=str(target / "tensor-cache")))
    subprocess.run(["chmod", "-R", "a+rX,go-w", str(target)], check=True)
    return target


def setup(roster: Roster, settings: HubSettings, passwords_file: Path | None = None) -> dict[str, str]:
    """Users, course folder, exchange and configuration for the hub; returns new users' initial passwords."""
    passwords = create_users(roster)
    instructor = roster.instructors[0]
    for folder in (Path(settings.state_dir), Path(settings.course_dir).parent):
        folder.mkdir(parents=True, exist_ok=True)
    os.chmod(settings.state_dir, 0o700)
    install_course(Path(settings.course_dir), instructor)
    prepare_exchange(Path(settings.exchange_root), settings.course_id, instructor)
    link_exchange(Path(settings.course_dir), Path(settings.exchange_root))
    settings.save()
    write_jupyter_config(settings)
    if passwords and passwords_file is not None:
        passwords_file.parent.mkdir(parents=True, exist_ok=True)
        with os.fdopen(os.open(passwords_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "a") as file:
            file.writelines(f"{name},{word}\n" for name, word in passwords.items())
    return passwords


# -------------------------------------------------------------------------------------------- running

def hub_command(settings: HubSettings) -> list[str]:
    """The command that runs JupyterHub with the course's configuration (run it in ``state_dir``)."""
    return [str(Path(settings.environment) / "bin" / "jupyterhub"), "-f", str(HUB_FILES / "jupyterhub_config.py")]


def hub_environment(settings: HubSettings) -> dict[str, str]:
    return dict(os.environ, **{SETTINGS_ENV_VAR: str(settings.path),
                               "PATH": f"{Path(settings.environment) / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"})


def as_user(user: str, command: list[str], cwd: Path, environment: dict[str, str] | None = None) -> None:
    """Run ``command`` as ``user`` (with runuser, which needs root) in ``cwd``; fail on a non-zero exit."""
    account = pwd.getpwnam(user)
    env = {"HOME": account.pw_dir, "USER": user, "LOGNAME": user, "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
           "LANG": "C.UTF-8", **(environment or {})}
    done = subprocess.run(["runuser", "-u", user, "--", "env", "-i", *(f"{k}={v}" for k, v in env.items()), *command],
                          cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} as {user} failed ({done.returncode}):\n{done.stdout[-3000:]}{done.stderr[-3000:]}")


def release_feedback(settings: HubSettings, assignment: str) -> dict[str, list[Path]]:
    """Generate and release the feedback of ``assignment``, each file readable only by its student. Needs root."""
    course, instructor = Path(settings.course_dir), settings.instructors[0]
    nbgrader = str(Path(settings.environment) / "bin" / "nbgrader")
    path = f"{Path(settings.environment) / 'bin'}:/usr/bin:/bin"
    as_user(instructor, [nbgrader, "generate_feedback", assignment, "--force"], course, {"PATH": path})
    exchange_course = Path(settings.exchange_root) / settings.course_id
    carry_submission_secrets(course, exchange_course, assignment)
    account = pwd.getpwnam(instructor)
    subprocess.run(["chown", "-R", "--no-dereference", f"{account.pw_uid}:{account.pw_gid}",
                    str(course / "feedback")], check=True)
    as_user(instructor, [nbgrader, "release_feedback", assignment], course, {"PATH": path})
    return restrict_feedback(course, exchange_course, assignment)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    env = commands.add_parser("env", help="build the shared environment from /usr/bin/python3 (root)")
    env.add_argument("--environment", type=Path, default=DEFAULT_ENV)
    env.add_argument("--if-needed", action="store_true", help="only when missing or built from other requirements")
    set_up = commands.add_parser("setup", help="users, course, exchange and configuration (root)")
    set_up.add_argument("--roster", type=Path, required=True, help="CSV with the columns username,role")
    set_up.add_argument("--environment", type=Path, default=DEFAULT_ENV)
    set_up.add_argument("--etc", type=Path, default=DEFAULT_ETC, help="where hub.json and the Jupyter config go")
    set_up.add_argument("--course-dir", type=Path, default=Path("/srv/dlkurs/course"))
    set_up.add_argument("--exchange", type=Path, default=Path("/srv/nbgrader/exchange"))
    set_up.add_argument("--state", type=Path, default=Path("/var/lib/dlkurs-hub"),
                        help="JupyterHub's database, cookie secret and logs")
    set_up.add_argument("--data", type=Path, help="a copy of the datasets to install for everyone (read-only)")
    set_up.add_argument("--ip", default="0.0.0.0", help="where the hub listens (put TLS in front of it)")
    set_up.add_argument("--port", type=int, default=8000)
    start = commands.add_parser("start", help="run JupyterHub in the foreground (root)")
    start.add_argument("--etc", type=Path, default=DEFAULT_ETC)
    feedback = commands.add_parser("release-feedback", help="generate and release feedback, per student (root)")
    feedback.add_argument("assignment")
    feedback.add_argument("--etc", type=Path, default=DEFAULT_ETC)
    args = parser.parse_args(argv)
    if args.command == "env":
        if not (args.if_needed and environment_ready(args.environment)):
            build_environment(args.environment)
    elif args.command == "setup":
        roster = read_roster(args.roster)
        settings = HubSettings(COURSE_ID, str(args.course_dir.resolve()), str(args.exchange.resolve()),
                               str(args.environment), str(args.etc.resolve()), str(args.state.resolve()),
                               roster.instructors, roster.students, ip=args.ip, port=args.port)
        passwords = setup(roster, settings, args.etc / "initial-passwords.csv")
        if args.data:
            prepare_data(args.environment, args.data)
        print(f"Hub set up: {settings.path}; {len(passwords)} new users "
              f"(initial passwords in {args.etc / 'initial-passwords.csv'}, readable by root only).")
    elif args.command == "start":
        settings = HubSettings.load(args.etc / "hub.json")
        os.chdir(settings.state_dir)
        os.execve(hub_command(settings)[0], hub_command(settings), hub_environment(settings))
    elif args.command == "release-feedback":
        given = release_feedback(HubSettings.load(args.etc / "hub.json"), args.assignment)
        print(f"Feedback released for {len(given)} students, each file readable only by its student.")


if __name__ == "__main__":
    main()
