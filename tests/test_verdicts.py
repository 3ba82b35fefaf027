"""The pieces of the verdict convention without nbgrader: plain data, the export cell, the probe process.

The probe process is started as the grader starts it, only without the sandbox
(``python -I -m coursetools.probe_server FOLDER``), on values saved by :func:`coursetools.export_cell.export`
from a namespace that plays the student's kernel.
"""
from __future__ import annotations

import io
import os
import pickle
import sys
import time
from pathlib import Path

import numpy
import pytest
import torch

from coursetools import plain_data, verdicts
from coursetools.export_cell import STATUS_FILE, export
from coursetools.plain_data import dump_plain, is_kind, load_plain, to_plain
from coursetools.verdicts import ModuleState, Opaque, ProbeClient, ProbeFailure, Student, StudentError, VerdictBug, decode

STUDENT_CODE = '''
import os
import sys
import time

import torch


def add(a, b):
    return a + b


def unsolved(x):
    raise NotImplementedError()


def fails(x):
    raise ValueError("kaputt " + str(x))


def sleeps():
    time.sleep(600)


def chatty(x):
    print("Hallo " * 10_000)
    sys.stdout.flush()
    os.write(1, b"\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x08 Unsinn auf fd 1")
    return 2 * x


def answer_channel():
    """The probe's answer channel, found as a student would: in the callers' frames."""
    frame = sys._getframe()
    while "answers" not in frame.f_locals:
        frame = frame.f_back
    return frame.f_locals["answers"]


def writes_garbage():
    os.write(answer_channel().fileno(), (16).to_bytes(8, "big") + b"kaputt!!kaputt!!")
    return 1


def frame(value):
    from coursetools.plain_data import dump_plain
    from coursetools.probe_server import HEADER

    payload = dump_plain(value)
    return HEADER.pack(len(payload)) + payload


def prewrites():
    channel = answer_channel()
    channel.write(frame({"ok": 42}) + frame({"ok": 42}))
    channel.flush()
    return 0


def answers_a_bomb(depth):
    nested = [0]
    for _ in range(depth):
        nested = [nested, nested]  # shared: a few bytes on the wire, 2**depth lists once expanded
    caller = sys._getframe()
    while "answers" not in caller.f_locals:
        caller = caller.f_back
    answer = {"ok": nested}
    if "nonce" in caller.f_locals:  # the current request's token, where answers carry one
        answer["nonce"] = caller.f_locals["nonce"]
    caller.f_locals["answers"].write(frame(answer))
    caller.f_locals["answers"].flush()
    return 0


def zeros(n):
    return torch.zeros(n)


def make_model():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Dropout(0.5))


def set_weights(model, value):
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.fill_(value)
    model.eval()
    return model


class Always:
    def __eq__(self, other):
        return True

    def __repr__(self):
        return "Always()"


always = Always()
numbers = {"int": __import__("numpy").int64(7), "float": __import__("numpy").float32(0.5), "plain": 3}
'''
NAMES = ["add", "unsolved", "fails", "sleeps", "chatty", "writes_garbage", "prewrites", "answers_a_bomb", "zeros",
         "make_model", "set_weights", "always", "numbers", "missing"]
TEST = "test_everything"


# ------------------------------------------------------------------------------------------- plain data

def round_trip(value):
    return decode(load_plain(dump_plain(to_plain(value))))


def test_numpy_numbers_and_arrays_become_python_numbers_and_tensors():
    assert round_trip(numpy.int64(7)) == 7 and type(round_trip(numpy.int64(7))) is int
    assert type(round_trip(numpy.float32(0.25))) is float
    array = round_trip(numpy.arange(6, dtype=numpy.float32).reshape(2, 3))
    assert isinstance(array, torch.Tensor) and array.dtype == torch.float64 and array.shape == (2, 3)
    assert round_trip(numpy.array([1, 2], dtype=numpy.int32)).tolist() == [1, 2]
    assert round_trip(numpy.array(["a", "b"])) == ["a", "b"]


def test_tensors_arrive_detached_on_the_cpu_and_as_copies():
    tensor = torch.arange(4.0, requires_grad=True)
    view = tensor[::2]
    copied = round_trip({"tensor": tensor, "view": view, "sparse": torch.eye(2).to_sparse()})
    assert not copied["tensor"].requires_grad and copied["tensor"].tolist() == [0, 1, 2, 3]
    assert copied["view"].tolist() == [0, 2] and copied["view"].is_contiguous()
    assert copied["sparse"].layout == torch.strided and copied["sparse"].tolist() == [[1, 0], [0, 1]]


def test_nested_containers_keep_their_shape():
    value = {"a": [1, (2.5, "x"), None, True], 3: {"b": ()}, (1, 2): [[]]}
    assert round_trip(value) == value
    assert type(round_trip((1, [2]))) is tuple


def test_sets_come_back_as_sets():
    assert round_trip({1, 2, 3}) == {1, 2, 3}
    assert round_trip(frozenset({"a"})) == {"a"}


def test_modules_become_module_states_with_their_weights_and_modes():
    model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Dropout(0.5))
    model.eval()
    model[1].train()
    state = round_trip(model)
    assert isinstance(state, ModuleState)
    assert state.type == "torch.nn.modules.container.Sequential"
    assert state.training is False and state.modes == (False, False, True)
    assert torch.equal(state.state_dict["0.weight"], model[0].weight.detach())
    assert "Dropout(p=0.5" in state.repr
    fresh = state.load_into(torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Dropout(0.5)))
    assert torch.equal(fresh[0].bias, model[0].bias)
    with pytest.raises(StudentError, match="passen nicht"):
        state.load_into(torch.nn.Linear(3, 3))


def test_figures_become_what_a_reader_sees():
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots()
    axes.plot([0, 1, 2], [3, 4, 5], label="Training")
    axes.set(title="Verlust", xlabel="Epoche", ylabel="Loss", yscale="log")
    axes.legend()
    plain = round_trip(figure)
    pyplot.close(figure)
    assert is_kind(plain, "figure")
    (seen,) = plain["axes"]
    assert (seen["title"], seen["xlabel"], seen["ylabel"], seen["yscale"]) == ("Verlust", "Epoche", "Loss", "log")
    assert seen["lines"][0]["y"].tolist() == [3, 4, 5] and seen["legend"] == ["Training"]


def test_other_objects_arrive_only_as_their_type_and_repr():
    class Always:
        def __eq__(self, other):
            return True

        def __repr__(self):
            return "Always()"

    value = round_trip(Always())
    assert value == Opaque(f"{__name__}.{Always.__qualname__}", "Always()")
    assert value != 3


class RunsCode:
    def __reduce__(self):
        return os.system, (f"touch {MARKER}",)


MARKER = Path("/tmp") / f"dlkurs_pickle_ran_{os.getpid()}"


@pytest.mark.parametrize("pickler", ["pickle", "torch.save"])
def test_load_plain_refuses_a_pickle_that_would_run_code(pickler):
    MARKER.unlink(missing_ok=True)
    if pickler == "pickle":
        payload = pickle.dumps({"ok": RunsCode()})
    else:
        buffer = io.BytesIO()
        torch.save({"ok": RunsCode()}, buffer)
        payload = buffer.getvalue()
    with pytest.raises(Exception):  # noqa: B017 - any refusal; what matters is that nothing ran
        load_plain(payload)
    assert not MARKER.exists()


def test_to_plain_refuses_values_too_deep_or_too_large(monkeypatch):
    nested = [0]
    for _ in range(40):
        nested = [nested]
    with pytest.raises(ValueError):
        to_plain(nested)
    shared = [0]
    for _ in range(12):
        shared = [shared, shared]  # 8 KiB of lists, each shared: counted as often as it is reached
    monkeypatch.setattr(plain_data, "MAX_ITEMS", 4000)
    with pytest.raises(ValueError):
        to_plain(shared)


# ------------------------------------------------------------------------------------------- the probe process

@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> Path:
    """The student's namespace saved as the export cell saves it, for test ``TEST`` and one with nothing."""
    folder = tmp_path_factory.mktemp("export")
    namespace = {"__name__": "__main__"}
    exec(compile(STUDENT_CODE, "<Zelle>", "exec"), namespace)  # noqa: S102 - the "student's" cell
    export(str(folder / TEST), NAMES, namespace)
    return folder


@pytest.fixture
def client(exports, tmp_path):
    client = ProbeClient([sys.executable, "-I", "-m", "coursetools.probe_server", str(exports)], tmp_path,
                         tmp_path / "probe.log", timeout=20)
    yield client
    client.close()


def student_of(client: ProbeClient, *uses: str, test: str = TEST) -> Student:
    return Student(client, test, uses or tuple(NAMES))


def test_the_export_cell_records_which_names_were_saved(exports):
    import json
    status = json.loads((exports / TEST / STATUS_FILE).read_text())
    assert status["missing"] == "missing"
    assert {name for name, state in status.items() if state == "ok"} == set(NAMES) - {"missing"}


def test_values_and_calls_come_back_as_plain_data(client):
    student = student_of(client)
    assert student.value("numbers") == {"int": 7, "float": 0.5, "plain": 3}
    assert student.remote("add")(1, 2) == 3
    assert student.remote("add")(torch.ones(2), torch.ones(2)).tolist() == [2, 2]
    assert student.remote("zeros")(3).tolist() == [0, 0, 0]
    always = student.value("always")
    assert isinstance(always, Opaque) and always != 1


def test_remote_handles_keep_objects_in_the_probe_process(client):
    student = student_of(client)
    model = student.remote("make_model").keep()
    returned = student.remote("set_weights")(model, 0.25)
    assert isinstance(returned, ModuleState) and returned.training is False
    after = model.value()
    assert all(torch.all(tensor == 0.25) for tensor in after.state_dict.values())
    (sent,) = student.send(torch.nn.Linear(2, 2))
    changed = student.remote("set_weights")(sent, 2.0)
    assert torch.all(changed.state_dict["weight"] == 2.0)
    assert torch.all(sent.value().state_dict["bias"] == 2.0)


def test_missing_name_fails_with_a_german_message(client):
    with pytest.raises(StudentError, match="`missing` ist nicht definiert.*Restart & Run All"):
        student_of(client).value("missing")


def test_a_test_whose_export_cell_never_ran_fails_with_a_german_message(client):
    with pytest.raises(StudentError, match="nicht erreicht"):
        student_of(client, "add", test="test_never_ran").remote("add")(1, 2)


def test_an_unsolved_task_says_so_in_german(client):
    with pytest.raises(StudentError, match="`unsolved\\(…\\)` ist noch nicht gelöst"):
        student_of(client).remote("unsolved")(1)


def test_an_error_of_the_students_code_names_its_type_message_and_line(client):
    with pytest.raises(StudentError) as raised:
        student_of(client).remote("fails")(5)
    message = str(raised.value)
    assert "löst einen Fehler aus: ValueError: kaputt 5" in message
    assert "in fails" in message and "probe_server" not in message and "verdicts" not in message


def test_a_verdict_reading_an_undeclared_name_is_a_bug_of_the_course(client):
    with pytest.raises(VerdictBug):
        student_of(client, "add").value("numbers")


def test_a_call_that_sleeps_fails_after_its_timeout_and_the_next_request_works(exports, tmp_path):
    client = ProbeClient([sys.executable, "-I", "-m", "coursetools.probe_server", str(exports)], tmp_path,
                         tmp_path / "probe.log", timeout=2)
    try:
        student = student_of(client)
        client.request({"op": "value", "of": student._name("numbers")})  # started: the timeout is the call's
        started = time.monotonic()
        with pytest.raises(ProbeFailure, match="Zeitlimit"):
            student.remote("sleeps")()
        assert time.monotonic() - started < 10
        assert client.process is None
        client.timeout = 20
        assert student.remote("add")(2, 3) == 5
    finally:
        client.close()


def test_a_function_that_prints_to_stdout_does_not_break_the_protocol(client):
    student = student_of(client)
    assert student.remote("chatty")(21) == 42
    assert student.remote("add")(1, 1) == 2


def test_bytes_written_into_the_answer_channel_fail_closed(client):
    student = student_of(client)
    with pytest.raises(ProbeFailure, match="keine lesbare Antwort"):
        student.remote("writes_garbage")()
    assert student.remote("add")(1, 2) == 3  # a fresh probe process


def test_an_answer_over_the_size_limit_fails_closed(client, monkeypatch):
    student = student_of(client)
    monkeypatch.setattr(verdicts, "MAX_ANSWER_BYTES", 20_000)
    with pytest.raises(ProbeFailure, match="zu groß"):
        student.remote("zeros")(100_000)
    assert student.remote("zeros")(2).tolist() == [0, 0]


def test_answers_written_ahead_by_student_code_are_refused(client):
    """prewrites() writes the answers of this and the next request into the answer channel: without the
    request's token they are refused, the probe restarts, and add(1, 2) is answered by add."""
    student = student_of(client)
    with pytest.raises(ProbeFailure):
        student.remote("prewrites")()
    assert student.remote("add")(1, 2) == 3


def test_an_answer_that_expands_beyond_the_item_limit_fails_closed(client, monkeypatch):
    """An answer of shared lists (a few KiB on the wire) expands to 2**depth lists in decode(): to_plain
    would refuse the value (MAX_ITEMS), but student code writes the frame itself. Depth 14 against a
    limit of 4000 items here; without the check, depth 40 against the real limit would never finish.
    """
    monkeypatch.setattr(plain_data, "MAX_ITEMS", 4000)
    with pytest.raises(ProbeFailure):
        student_of(client).remote("answers_a_bomb")(14)
