"""Verdicts: every autograded test is decided here, in the grader, never in a process of the student.

A maintainer writes each graded test once, as a function in ``verdicts/<assignment>/<notebook>.py``
named like the test cell's ``grade_id``::

    @verdict("draw_batch", "batch_images")
    def test_batch_is_random(student: Student) -> None:
        images = student.tensor("batch_images")                     # the student's value, as plain data
        labels = student.remote("draw_batch")(data, 7, generator)   # a call with inputs chosen here
        assert ..., "German message for the student"

When a submission is graded (:class:`coursetools.sandbox.SandboxedExecute`):

1. Each autograded test cell is replaced, in the student's run, by a cell that only saves the
   names its verdict declares (:mod:`coursetools.export_cell`). No test code, visible or hidden,
   runs in the student's kernel, so nothing the student's code installs there (input or AST
   transformers, patched builtins, hooks on the shell) can change how a test runs or what it
   reports, and no expectation is there to be read.
2. After the notebook has run, a fresh sandboxed process (:mod:`coursetools.probe_server`) loads
   those values. The verdict, running here, asks it for values and for calls of the student's
   functions with inputs chosen here; it answers with plain data (:mod:`coursetools.plain_data`).
3. The verdict's result becomes the test cell's only output: nothing on pass, an error with the
   German message on failure. nbgrader reads the grade from that, so the gradebook, the
   Formgrader, manual grading and the feedback work as before.

The test cells in the notebook keep their visible asserts: they are what *Validate* runs for the
student, and the verdict must check at least as much (the round trip grades the reference, blank,
wrong and correct-but-different submissions against the verdicts). Verdicts use plain ``assert``
with German messages; an error of the student's code fails the test with its type and message.
"""
from __future__ import annotations

import importlib.util
import os
import pickle
import secrets
import select
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from .plain_data import KIND, check_plain, load_plain
from .probe_server import HEADER, Handle, StudentName, write_frame

MAX_ANSWER_BYTES = 1 << 30
"""Largest answer the grader reads from the probe process (the grader's memory stays bounded)."""
START_TIMEOUT = 300
"""Seconds the probe process may take to start (it imports PyTorch; a loaded machine is slow)."""

VerdictFunction = Callable[["Student"], None]


def verdict(*uses: str) -> Callable[[VerdictFunction], VerdictFunction]:
    """Mark a function as the verdict of the test cell of the same name; ``uses``: the notebook names it reads."""
    def mark(function: VerdictFunction) -> VerdictFunction:
        function.verdict_uses = tuple(uses)
        return function
    return mark


def load_verdicts(path: Path) -> dict[str, VerdictFunction]:
    """The verdicts of one notebook (``grade_id`` → function) from their module file; none if it is missing."""
    if not path.is_file():
        return {}
    spec = importlib.util.spec_from_file_location(f"dlkurs_verdicts_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {name: function for name, function in vars(module).items()
            if callable(function) and hasattr(function, "verdict_uses")}


# ------------------------------------------------------------------------------------------- errors

class StudentError(AssertionError):
    """The student's code raised, or a value the test needs is missing: the test fails with this message."""


class ProbeFailure(StudentError):
    """The probe process died, timed out or answered garbage (e.g. the student's code wrote into its channel)."""


class VerdictBug(RuntimeError):
    """A verdict asked for a name it did not declare: a mistake of the course, reported as such."""


def student_error_message(what: str, error: dict) -> str:
    """German message for an error the student's code raised in the probe process."""
    if error.get("not_exported"):
        return ("Dieser Test wurde beim Ausführen nicht erreicht: Das Notebook brach vorher ab oder der Kernel "
                "starb (siehe die Fehler weiter oben). Führen Sie Restart & Run All aus, bevor Sie abgeben.")
    if error["type"] == "NameError" and what.startswith("`"):
        return (f"{what} ist nicht definiert. Führen Sie die Zelle aus, die es festlegt, und lassen Sie das Notebook "
                "mit Restart & Run All ohne Fehler durchlaufen.")
    if error["type"] == "ForbiddenCall":  # dlkurs.checks.forbidden_calls: its message says what to do
        return error["message"]
    if error["type"] == "NotImplementedError":
        return f"{what} ist noch nicht gelöst: Ersetzen Sie raise NotImplementedError() durch Ihren Code."
    text = f"{what} löst einen Fehler aus: {error['type']}: {error['message']}"
    if error.get("traceback"):
        text += f"\n\nIn Ihrem Code:\n{error['traceback']}"
    return text


# ------------------------------------------------------------------------------------------- the probe process

class ProbeClient:
    """Talks to one probe process; starts it on first use and again after it died or timed out."""

    def __init__(self, command: list[str], cwd: Path, log: Path, timeout: float) -> None:
        self.command, self.cwd, self.log, self.timeout = command, cwd, log, timeout
        self.process: subprocess.Popen | None = None

    def request(self, request: dict) -> Any:
        """Send one request; its plain answer, or :class:`StudentError`/:class:`ProbeFailure`."""
        if self.process is None:
            self._start()
        # Each answer must carry its request's token: student code in the probe process can read the
        # token of the request it runs for, but not of any later one, so it cannot answer ahead.
        nonce = secrets.token_hex(16)
        try:
            self._write(pickle.dumps({**request, "nonce": nonce}, protocol=pickle.HIGHEST_PROTOCOL))
            answer = load_plain(self._read(self.timeout))
            check_plain(answer)
        except ProbeFailure:
            self.close()
            raise
        except Exception as error:  # an answer that is no plain data
            self.close()
            raise ProbeFailure(f"Die Bewertung erhielt keine lesbare Antwort ({type(error).__name__}).") from error
        if not isinstance(answer, dict) or answer.get("nonce") != nonce or not ({"ok", "error"} & answer.keys()):
            self.close()
            raise ProbeFailure("Die Bewertung erhielt keine lesbare Antwort.")
        if "error" in answer:
            raise RemoteError(answer["error"])
        return answer["ok"]

    def _start(self) -> None:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                                            cwd=self.cwd, env={})
        try:
            ready = load_plain(self._read(START_TIMEOUT))
        except Exception as error:
            self.close()
            raise ProbeFailure(f"Der Prüfprozess ließ sich nicht starten ({error}).") from error
        if ready != {"ready": True}:
            self.close()
            raise ProbeFailure("Der Prüfprozess ließ sich nicht starten.")

    def _write(self, payload: bytes) -> None:
        try:
            write_frame(self.process.stdin, payload)
        except OSError as error:
            raise ProbeFailure("Der Prüfprozess ist abgestürzt (z. B. os._exit, Speicher- oder Zeitlimit).") from error

    def _read(self, timeout: float) -> bytes:
        deadline = time.monotonic() + timeout
        (size,) = HEADER.unpack(self._read_exactly(HEADER.size, deadline, timeout))
        if size > MAX_ANSWER_BYTES:
            raise ProbeFailure(f"Die Antwort ist mit {size / 2**20:.0f} MiB zu groß für die Bewertung.")
        return self._read_exactly(size, deadline, timeout)

    def _read_exactly(self, size: int, deadline: float, timeout: float) -> bytes:
        chunks, missing, stream = [], size, self.process.stdout.fileno()
        while missing:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([stream], [], [], left)[0]:
                raise ProbeFailure(f"Zeitlimit überschritten: Der Aufruf lief länger als {timeout:.0f} s.")
            chunk = os.read(stream, min(missing, 1 << 20))
            if not chunk:
                raise ProbeFailure("Der Prüfprozess ist abgestürzt (z. B. os._exit, Speicher- oder Zeitlimit).")
            chunks.append(chunk)
            missing -= len(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            for stream in (self.process.stdin, self.process.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
            self.process = None


class RemoteError(Exception):
    """An error the student's code raised in the probe process, as data."""

    def __init__(self, error: dict) -> None:
        super().__init__(error.get("message", ""))
        self.error = error


# ------------------------------------------------------------------------------------------- what verdicts see

@dataclass(frozen=True)
class ModuleState:
    """A student's model as data: its class, its mode (and that of each submodule), weights, ``print(model)``."""

    type: str
    training: bool
    modes: tuple[bool, ...]
    state_dict: dict[str, torch.Tensor]
    repr: str

    def load_into(self, module: torch.nn.Module) -> torch.nn.Module:
        """Load these weights into a model built here (the instructor's architecture); fails if they do not fit."""
        try:
            module.load_state_dict(self.state_dict)
        except (RuntimeError, KeyError) as error:
            raise StudentError(f"Die Gewichte des Modells passen nicht zur vorgegebenen Architektur: {error}") from error
        return module


@dataclass(frozen=True)
class Opaque:
    """A value that is no plain data (an object of some class): its type and ``repr``."""

    type: str
    repr: str


def decode(value: Any) -> Any:
    """Plain data as verdicts use it: datasets, models, generators, sets and other objects as their types."""
    if isinstance(value, list):
        return [decode(item) for item in value]
    if isinstance(value, tuple):
        return tuple(decode(item) for item in value)
    if not isinstance(value, dict):
        return value
    kind = value.get(KIND)
    if kind == "images":
        from dlkurs import ImageData
        return ImageData(value["images"], value["labels"], tuple(value["classes"]))
    if kind == "module":
        return ModuleState(value["type"], value["training"], tuple(value["modes"]), value["state_dict"], value["repr"])
    if kind == "generator":
        generator = torch.Generator()
        generator.set_state(value["state"])
        return generator
    if kind == "set":
        return {decode(item) for item in value["items"]}
    if kind == "object":
        return Opaque(value["type"], value["repr"])
    if kind == "figure":
        return value
    return {key: decode(item) for key, item in value.items()}


def as_number(value: Any) -> float | None:
    """A number the student's code returned, as a float: Python and NumPy numbers and one-element floating-point
    tensors count (so a loss returned as a tensor can be checked for its value); anything else, bools too, is None."""
    if isinstance(value, torch.Tensor) and value.numel() == 1 and value.is_floating_point():
        return value.item()
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def type_name(value: Any) -> str:
    """How a decoded value's type reads in a message."""
    if isinstance(value, Opaque):
        return value.type.rsplit(".", 1)[-1]
    if isinstance(value, ModuleState):
        return value.type.rsplit(".", 1)[-1]
    return type(value).__name__


class Remote:
    """Something in the probe process: a student's function or model, or an object the grader sent there.

    Calling it runs it there with the given arguments (plain values, datasets, models built here,
    and other :class:`Remote` objects) and returns the result as plain data; :meth:`keep` keeps
    the result there instead.
    """

    def __init__(self, student: Student, reference: StudentName | Handle, label: str,
                 forbid: tuple[tuple[str, ...], str] | None = None) -> None:
        self._student, self._reference, self.label, self._forbid = student, reference, label, forbid

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._student._call(self, args, kwargs, keep=False)

    def keep(self, *args: Any, **kwargs: Any) -> Remote:
        """Call it, but keep the result in the probe process (e.g. a model the student's function builds)."""
        return self._student._call(self, args, kwargs, keep=True)

    def value(self) -> Any:
        """The object itself as plain data (e.g. a model's weights and mode after a call)."""
        return self._student._request({"op": "value", "of": self._reference}, f"`{self.label}`")


class Student:
    """What the verdict of test ``test`` may ask about the submission; each answer is plain data."""

    def __init__(self, client: ProbeClient, test: str, uses: tuple[str, ...]) -> None:
        self._client, self.test, self.uses = client, test, uses

    def _name(self, name: str) -> StudentName:
        if name not in self.uses:
            raise VerdictBug(f"verdict {self.test} reads {name!r} but declares only {self.uses}")
        return StudentName(self.test, name)

    def _request(self, request: dict, what: str) -> Any:
        try:
            return decode(self._client.request(request))
        except RemoteError as error:
            raise StudentError(student_error_message(what, error.error)) from None

    def value(self, name: str) -> Any:
        """The student's value of ``name`` (when the test cell ran) as plain data."""
        return self._request({"op": "value", "of": self._name(name)}, f"`{name}`")

    def tensor(self, name: str) -> torch.Tensor:
        """The student's value of ``name``, which must be a tensor (a NumPy array counts)."""
        value = self.value(name)
        assert isinstance(value, torch.Tensor), f"`{name}` soll ein Tensor sein, ist aber {type_name(value)}."
        return value

    def number(self, name: str) -> float:
        """The student's value of ``name``, which must be a real number (Python, NumPy or a one-element tensor)."""
        value = self.value(name)
        if isinstance(value, torch.Tensor) and value.numel() == 1 and not value.dtype.is_complex:
            value = value.item()
        assert isinstance(value, (int, float)) and not isinstance(value, bool), (
            f"`{name}` soll eine Zahl sein, ist aber {type_name(value)}.")
        return float(value)

    def remote(self, name: str, forbid: tuple[tuple[str, ...], str] | None = None) -> Remote:
        """The student's function (or model, or any object) ``name``, to call in the probe process.

        ``forbid`` (names, German message with ``{call}``): PyTorch functions that raise while it runs
        (:func:`dlkurs.checks.forbidden_calls`), for tasks that say "write it yourself".
        """
        return Remote(self, self._name(name), name, forbid)

    def send(self, *objects: Any) -> tuple[Remote, ...]:
        """Put objects built here into the probe process, in one piece (a model and its optimizer stay linked)."""
        numbers = self._request({"op": "send", "objects": _references(objects)}, "Übertragen")
        return tuple(Remote(self, Handle(number), type(obj).__name__) for number, obj in zip(numbers, objects))

    def probe(self, name: str, *args: Any, keep: bool = False, **kwargs: Any) -> Any:
        """Run a measurement of :mod:`coursetools.probes` in the probe process (student code may run in it)."""
        students = [arg.label for arg in args if isinstance(arg, Remote) and isinstance(arg._reference, StudentName)]
        what = f"`{students[0]}(…)`" if students else f"Die Prüfung {name}"  # the error is the student's code's
        answer = self._request({"op": "probe", "name": name, "args": _references(args),
                                "kwargs": _references(kwargs), "keep": keep}, what)
        return self._wrap(answer, name)

    def _call(self, target: Remote, args: tuple, kwargs: dict, keep: bool) -> Any:
        answer = self._request({"op": "call", "function": target._reference, "args": _references(args),
                                "kwargs": _references(kwargs), "keep": keep, "forbid": target._forbid},
                               f"`{target.label}(…)`")
        return self._wrap(answer, f"Ergebnis von {target.label}", target._forbid)

    def _wrap(self, answer: Any, label: str, forbid: tuple[tuple[str, ...], str] | None = None) -> Any:
        """A kept result as a :class:`Remote` (what was forbidden for its maker stays forbidden for it)."""
        if isinstance(answer, dict) and answer.get(KIND) == "handle":
            return Remote(self, Handle(answer["number"]), label, forbid)
        return answer


def _references(value: Any) -> Any:
    """Arguments as the probe process resolves them: :class:`Remote` objects become their references."""
    if isinstance(value, Remote):
        return value._reference
    if isinstance(value, (list, tuple)):
        return type(value)(_references(item) for item in value)
    if isinstance(value, dict):
        return {key: _references(item) for key, item in value.items()}
    return value


# ------------------------------------------------------------------------------------------- judging a notebook

MISSING_VERDICT = ("Für diese Testzelle ist keine Bewertung hinterlegt ({path}: {grade_id}). Das ist ein Fehler "
                   "des Kurses, nicht Ihrer: bitte der Kursleitung melden.")


def judge(function: VerdictFunction | None, grade_id: str, client: ProbeClient, verdicts_path: Path) -> list:
    """Run one verdict; the test cell's outputs: none when it passes, one error output when it fails."""
    from .sandbox import failed_output

    if function is None:
        return [failed_output("Bewertungsfehler", MISSING_VERDICT.format(path=verdicts_path, grade_id=grade_id))]
    student = Student(client, grade_id, function.verdict_uses)
    try:
        function(student)
    except VerdictBug as error:
        return [failed_output("Bewertungsfehler", f"Fehler in der Bewertung dieses Tests (bitte melden): {error}")]
    except AssertionError as error:
        return [failed_output(type(error).__name__ if isinstance(error, StudentError) else "AssertionError",
                              str(error) or "Der Test ist fehlgeschlagen.")]
    except Exception as error:  # the student's data had a shape or type the verdict could not use
        return [failed_output("AssertionError", f"Ihr Ergebnis ließ sich nicht prüfen: {type(error).__name__}: {error}")]
    return []

