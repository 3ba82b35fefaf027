"""The class roster of a JupyterHub: a CSV of user names and roles, and the Unix users made from it.

The roster is a CSV file with the columns ``username`` and ``role`` (``student`` or
``instructor``); blank lines and lines starting with ``#`` are ignored. Each name becomes a Unix
user with its own group and a home folder only its owner can open (0700). New users get a random
password, returned so that it can be handed out; existing users keep theirs.
"""
from __future__ import annotations

import csv
import os
import pwd
import re
import secrets
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROLES = ("student", "instructor")
USERNAME = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
"""Portable Unix user names (Debian's useradd accepts these; JupyterHub keeps them as they are)."""


@dataclass(frozen=True)
class Member:
    """One line of the roster."""

    username: str
    role: str


@dataclass(frozen=True)
class Roster:
    """Everyone on the hub: instructors grade (Formgrader), students fetch and submit."""

    members: tuple[Member, ...]

    @property
    def usernames(self) -> list[str]:
        return [member.username for member in self.members]

    @property
    def instructors(self) -> list[str]:
        return [member.username for member in self.members if member.role == "instructor"]

    @property
    def students(self) -> list[str]:
        return [member.username for member in self.members if member.role == "student"]


class RosterError(ValueError):
    """The roster file cannot be used as it is."""


def read_roster(path: Path) -> Roster:
    """Read and check a roster CSV: valid, unique names, known roles, at least one instructor."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    rows = list(csv.DictReader(lines))
    if not rows or not {"username", "role"} <= set(rows[0]):
        raise RosterError(f"{path}: the header must name the columns 'username' and 'role'")
    members, seen = [], set()
    for number, row in enumerate(rows, start=2):
        name, role = (row["username"] or "").strip(), (row["role"] or "").strip().lower()
        if not USERNAME.match(name):
            raise RosterError(f"{path}, row {number}: {name!r} is not a valid Unix user name")
        if role not in ROLES:
            raise RosterError(f"{path}, row {number}: role {role!r} is neither of {ROLES}")
        if name in seen:
            raise RosterError(f"{path}, row {number}: {name!r} is listed twice")
        seen.add(name)
        members.append(Member(name, role))
    roster = Roster(tuple(members))
    if not roster.instructors:
        raise RosterError(f"{path}: at least one instructor is needed (the Formgrader runs as the first)")
    return roster


def user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def create_users(roster: Roster, home_base: Path = Path("/home")) -> dict[str, str]:
    """Create every roster member that is not yet a Unix user; make every member's home 0700.

    Returns the new users' initial passwords (name → password). Needs root.
    """
    passwords = {}
    for name in roster.usernames:
        if not user_exists(name):
            subprocess.run(["useradd", "--create-home", "--home-dir", str(home_base / name), "--shell", "/bin/bash",
                            "--user-group", name], check=True, capture_output=True, text=True)
            passwords[name] = secrets.token_urlsafe(12)
        os.chmod(pwd.getpwnam(name).pw_dir, 0o700)
    if passwords:
        subprocess.run(["chpasswd"], input="".join(f"{name}:{word}\n" for name, word in passwords.items()),
                       check=True, capture_output=True, text=True)
    return passwords


def remove_users(names: list[str]) -> None:
    """Delete these Unix users with their homes and mail spools (their servers should be stopped first). Needs root."""
    for name in names:
        if user_exists(name):
            subprocess.run(["userdel", "--remove", "--force", name], capture_output=True)
