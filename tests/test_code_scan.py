"""The static scan (``coursetools.code_scan``) that lists submissions reaching into the interpreter."""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from coursetools.code_scan import findings_reason, scan_notebook, scan_source
from coursetools.generate import COURSE_ROOT, solution_notebook, source_notebooks
from coursetools.intake import check_notebooks, intake_folder

FIXTURE_COURSE = Path(__file__).parent / "fixtures" / "grading_course"


@pytest.mark.parametrize("source", source_notebooks(), ids=lambda path: path.parent.name)
def test_reference_solution_and_released_notebook_produce_no_finding(source: Path):
    assert scan_notebook(solution_notebook(nbformat.read(source, as_version=4))) == []
    released = COURSE_ROOT / "release" / source.parent.name / source.name
    assert scan_notebook(nbformat.read(released, as_version=4)) == []


@pytest.mark.parametrize(("code", "construct"), [
    ("get_ipython().events.register('post_run_cell', hook)", "get_ipython"),
    ("import IPython", "import IPython"),
    ("from ipykernel.kernelapp import IPKernelApp", "import ipykernel"),
    ("import builtins\nbuiltins.AssertionError = Exception", "import builtins"),
    ("__builtins__.print = print", "__builtins__"),
    ("import sys\nsys.settrace(tracer)", "sys.settrace"),
    ("import sys as system\nsystem.setprofile(tracer)", "sys.setprofile"),
    ("sys.modules['torch'] = fake", "sys.modules"),
    ("sys._getframe(1)", "sys._getframe"),
    ("import threading\nthreading.settrace(tracer)", ".settrace"),
    ("import inspect", "import inspect"),
    ("frame.f_back.f_locals['x'] = 1", ".f_back"),
    ("frame.f_globals", ".f_globals"),
    ("error.__traceback__.tb_frame", ".tb_frame"),
    ("generator.gi_frame", ".gi_frame"),
    ("exec(code)", "exec(…) ohne festen Text"),
    ("eval(f'1 + {x}')", "eval(…) ohne festen Text"),
    ("compile(tree, 'cell', 'exec')", "compile(…) ohne festen Text"),
    ("run = eval", "eval(…) ohne festen Text"),
    ("import ctypes", "import ctypes"),
    ("import importlib\nimportlib.reload(module)", "import importlib"),
    ("os_module = __import__('os')", "__import__"),
    ("import gc\ngc.get_objects()", "gc.get_objects"),
    ("from gc import get_referrers", "gc.get_referrers"),
    ("class Always:\n    def __eq__(self, other):\n        return True", "Klasse Always definiert __eq__"),
    ("class Truthy(float):\n    __bool__ = lambda self: True", "Klasse Truthy definiert __bool__"),
    ("Tensor.__eq__ = lambda self, other: True", "setzt .__eq__"),
    ("result.__class__ = Always", "setzt .__class__"),
    ("setattr(Tensor, '__eq__', always)", 'Text "__eq__"'),
    ("getattr(frame, 'f_back')", 'Text "f_back"'),
    ("import os\nos.system('ls')", "os.system"),
    ("import subprocess", "import subprocess"),
    ("import signal\nsignal.signal(signal.SIGALRM, handler)", "import signal"),
    ("!ls /", "Shell-Befehl (!)"),
    ("files = !ls", "Shell-Befehl (!)"),
    ("%load_ext hooks", "IPython-Magie %load_ext"),
    ("def f(:\n    get_ipython()", "get_ipython"),  # does not parse: found by pattern
    # What reaches the values saved for grading or the probe process that answers the grader (issue 19)
    ("import pickle", "import pickle"),
    ("import cloudpickle as cp", "import cloudpickle"),
    ("from copyreg import dispatch_table", "import copyreg"),
    ("class Sneaky:\n    def __reduce__(self):\n        return (print, ('x',))", "Klasse Sneaky definiert __reduce__"),
    ("class Sneaky:\n    def __reduce_ex__(self, protocol):\n        return (print, ())",
     "Klasse Sneaky definiert __reduce_ex__"),
    ("class State:\n    def __setstate__(self, state):\n        pass", "Klasse State definiert __setstate__"),
    ("Tensor.__getstate__ = steal", "setzt .__getstate__"),
    ("value.__reduce_ex__(4)", ".__reduce_ex__"),
    ("setattr(Model, '__reduce__', f)", 'Text "__reduce__"'),
    ("import sys\ncaller = sys._getframe(2)", "sys._getframe"),
    ("from sys import _getframe", "sys._getframe"),
    ("import os\nos.write(1, b'x')", "os.write auf fd 1"),
    ("import os as system\nsystem.write(4, payload)", "os.write auf fd 4"),
    ("import os\nos.write(channel.fileno(), payload)", "os.write auf einen Dateideskriptor"),
    ("import os\nos.dup2(5, 1)", "os.dup2 auf fd 5"),
    ("with open(4, 'wb') as channel:\n    channel.write(b'x')", "open auf fd 4"),
    ("open('/proc/self/fd/4', 'wb')", 'Pfad "/proc"'),
    ("os.listdir(f'/proc/{pid}/fd')", 'Pfad "/proc"'),
    ("open('/dev/fd/1', 'w')", 'Pfad "/dev/fd"'),
    ("def f(:\n    os.write(1, b'x')", "os.write auf Dateideskriptor"),  # does not parse: found by pattern
    ("def f(:\n    open('/proc/self/maps')", "Pfad /proc/ oder /dev/fd"),
    ("def f(:\n    import cloudpickle", "pickle/copyreg"),
])
def test_construct_reaching_into_the_interpreter_is_found(code, construct):
    assert construct in scan_source(code)


@pytest.mark.parametrize("code", [
    "model.eval()",
    "model = torch.compile(model)",
    "eval('1 + 1')",
    "exec('x = 1')",
    "%matplotlib inline\n%time loss = train(model)",
    "from IPython.display import display, Markdown",
    "class Data(torch.utils.data.Dataset):\n    def __len__(self):\n        return 3",
    "import os\npath = os.path.join('a', 'b')",
    "import sys\nprint(sys.version)",
    "signal_strength = 3  # no module",
    "for x in\n    model.eval()",  # does not parse: model.eval is no eval()
    "torch.save(model.state_dict(), 'modell.pt')",
    "with open('daten.txt') as file:\n    text = file.read()",
    "import os\nos.makedirs('ergebnisse', exist_ok=True)",
    "path = 'processed/data.pt'",
    "state = model.state_dict()",
])
def test_ordinary_code_is_not_listed(code):
    assert scan_source(code) == ()


def test_finding_names_the_cell_and_its_grade_id():
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("get_ipython() in Markdown zählt nicht"),
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell("import sys\nsys.settrace(None)\nget_ipython()", metadata={"nbgrader": {"grade_id": "add"}}),
    ])
    findings = scan_notebook(notebook)
    assert [(finding.cell, finding.grade_id) for finding in findings] == [(3, "add")]
    assert "Zelle 3 (add): get_ipython, sys.settrace" in findings_reason(findings)


def test_intake_lists_a_submission_that_reaches_into_the_interpreter_but_grades_it(tmp_path):
    source = nbformat.read(FIXTURE_COURSE / "source" / "fixture" / "fixture.ipynb", as_version=4)
    submitted = solution_notebook(source)
    next(cell for cell in submitted.cells if cell.metadata.get("nbgrader", {}).get("grade_id") == "add").source += (
        "\nget_ipython().events.register('post_run_cell', lambda result: None)\n")
    (tmp_path / "class" / "anna").mkdir(parents=True)
    nbformat.write(submitted, tmp_path / "class" / "anna" / "fixture.ipynb")
    intake = intake_folder(tmp_path / "class", ["fixture"])
    check_notebooks(FIXTURE_COURSE, "fixture", intake)
    assert intake.submissions["anna"]["fixture"] == tmp_path / "class" / "anna" / "fixture.ipynb"  # still graded
    [problem] = intake.problems
    assert (problem.student, problem.file) == ("anna", "fixture.ipynb")
    assert "manuellen Prüfung" in problem.reason and "(add): get_ipython" in problem.reason
