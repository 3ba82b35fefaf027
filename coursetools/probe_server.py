"""A fresh process in the sandbox that answers a verdict's questions about a student's values.

    python -I -m coursetools.probe_server EXPORT_FOLDER

It starts after the student's notebook has run, loads the values :mod:`coursetools.export_cell`
saved, and answers requests on its standard input (length-prefixed pickles from the grader):
a value as plain data, a call of a student function with arguments the grader chose, objects the
grader sends and fetches back (handles), or a measurement from :mod:`coursetools.probes`. Every
answer is plain data (:mod:`coursetools.plain_data`); a student error is answered as its type,
message and traceback. No verdict, expectation or hidden test code ever reaches this process:
only the inputs of the calls.
"""
from __future__ import annotations

import json
import os
import pickle
import struct
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

HEADER = struct.Struct(">Q")
MAX_REQUEST_BYTES = 2**31


@dataclass(frozen=True)
class StudentName:
    """A name in the student's namespace as it was when test ``test`` ran."""

    test: str
    name: str


@dataclass(frozen=True)
class Handle:
    """An object kept in the probe process (sent by the grader or returned by a call with ``keep``)."""

    number: int


class NotExported(Exception):
    """The export cell of a test never ran (the notebook stopped before it)."""


def write_frame(stream: BinaryIO, payload: bytes) -> None:
    stream.write(HEADER.pack(len(payload)) + payload)
    stream.flush()


def read_frame(stream: BinaryIO, limit: int) -> bytes | None:
    """One frame, or ``None`` at the end of the stream; a frame over ``limit`` bytes is an error."""
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        return None
    (size,) = HEADER.unpack(header)
    if size > limit:
        raise ValueError(f"frame of {size} bytes exceeds the limit of {limit}")
    payload = stream.read(size)
    if len(payload) < size:
        return None
    return payload


class ProbeServer:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.namespaces: dict[str, dict[str, Any]] = {}
        self.status: dict[str, dict[str, str]] = {}
        self.objects: dict[int, Any] = {}

    def lookup(self, reference: StudentName) -> Any:
        if reference.test not in self.namespaces:
            folder = self.folder / reference.test
            from .export_cell import STATUS_FILE, VALUES_FILE
            if not (folder / STATUS_FILE).is_file():
                raise NotExported(reference.test)
            self.status[reference.test] = json.loads((folder / STATUS_FILE).read_text())
            with open(folder / VALUES_FILE, "rb") as file:
                self.namespaces[reference.test] = pickle.load(file)
        status = self.status[reference.test].get(reference.name, "missing")
        if status == "missing":
            raise NameError(f"name '{reference.name}' is not defined")
        if status != "ok":
            raise TypeError(f"'{reference.name}' could not be saved for grading: {status}")
        return self.namespaces[reference.test][reference.name]

    def resolve(self, value: Any) -> Any:
        if isinstance(value, StudentName):
            return self.lookup(value)
        if isinstance(value, Handle):
            return self.objects[value.number]
        if isinstance(value, (list, tuple)):
            return type(value)(self.resolve(item) for item in value)
        if isinstance(value, dict):
            return {key: self.resolve(item) for key, item in value.items()}
        return value

    def keep(self, value: Any) -> Handle:
        handle = Handle(len(self.objects))
        self.objects[handle.number] = value
        return handle

    def result(self, value: Any, keep: bool) -> Any:
        """A call's result: kept here (the grader gets its handle) or as plain data."""
        from .plain_data import KIND, to_plain

        return {KIND: "handle", "number": self.keep(value).number} if keep else to_plain(value)

    def answer(self, request: dict) -> Any:
        from .plain_data import to_plain

        operation = request["op"]
        if operation == "value":
            return to_plain(self.resolve(request["of"]))
        if operation == "send":
            return tuple(self.keep(value).number for value in request["objects"])
        if operation == "call":
            function = self.resolve(request["function"])
            args, kwargs = self.resolve(request["args"]), self.resolve(request["kwargs"])
            if request.get("forbid"):
                from dlkurs.checks import forbidden_calls
                names, message = request["forbid"]
                with forbidden_calls(names, message):
                    result = function(*args, **kwargs)
            else:
                result = function(*args, **kwargs)
            return self.result(result, request.get("keep", False))
        if operation == "probe":
            from .probes import resolve
            result = resolve(request["name"])(*self.resolve(request["args"]), **self.resolve(request["kwargs"]))
            return self.result(result, request.get("keep", False))
        raise ValueError(f"unknown operation {operation!r}")


def error_answer(error: BaseException) -> dict:
    """A student's error as data: its type, message and the traceback lines of the student's code."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__)
              if not frame.filename.startswith(str(Path(__file__).parent))]
    lines = traceback.format_list(frames[-8:])
    return {"error": {"type": type(error).__name__, "message": str(error)[:2000],
                      "traceback": "".join(lines)[-4000:], "not_exported": isinstance(error, NotExported)}}


def main() -> None:
    # Requests and answers travel on private copies of stdin and stdout; what student code prints
    # goes to stderr (the log), and it cannot read the requests from fd 0.
    requests = os.fdopen(os.dup(0), "rb")
    answers = os.fdopen(os.dup(1), "wb")
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    from .plain_data import dump_plain

    server = ProbeServer(Path(sys.argv[1]))
    write_frame(answers, dump_plain({"ready": True}))
    while (payload := read_frame(requests, MAX_REQUEST_BYTES)) is not None:
        request = pickle.loads(payload)  # the grader's
        nonce = request.pop("nonce", None)  # echoed: the grader takes no answer without its request's token
        try:
            data = dump_plain({"ok": server.answer(request), "nonce": nonce})
        except BaseException as error:  # noqa: BLE001 - SystemExit and KeyboardInterrupt of student code too
            data = dump_plain({**error_answer(error), "nonce": nonce})
        write_frame(answers, data)


if __name__ == "__main__":
    # Run as coursetools.probe_server, not __main__: the grader's pickled StudentName and Handle name that module.
    from coursetools.probe_server import main as run

    run()
