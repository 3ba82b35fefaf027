"""A static scan of submitted code for constructs that reach into the interpreter or the notebook machinery.

The tests of a notebook run in the same kernel as the student's code, so code that rewrites
IPython's machinery, walks stack frames, replaces builtins or makes objects compare equal to
anything could hide a failing ``assert``. The sandbox cannot stop that; this scan makes it
visible: every submission whose code cells use such a construct is listed in ``problems.csv``
for manual review, with the cells and constructs named. Nothing is deducted.

Each code cell is parsed with :mod:`ast`; IPython's magics and shell escapes (``%…``, ``!…``) are
recognised line by line first. A cell that still does not parse is searched with regular
expressions instead. The scan is defence in depth, not a proof: code built from strings at run
time (``getattr(x, "f_" + "back")``) escapes it, which is why ``exec``/``eval``/``compile`` of
anything but a string literal are listed too.

The graded values travel as pickles (:mod:`coursetools.export_cell`) into a probe process that
answers the grader over a pipe (:mod:`coursetools.probe_server`), so pickling hooks (``pickle``,
``cloudpickle``, ``copyreg``, ``__reduce__``, ``__getstate__`` …), ``sys._getframe``, writes to low
file descriptors (``os.write(1, …)``, ``os.write(fd, …)`` with a computed ``fd``) and paths into the
process (``/proc/self``, ``/dev/fd``) are listed as well.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass

import nbformat

IMPORTED_MODULES = {
    "IPython": "import IPython",
    "ipykernel": "import ipykernel",
    "jupyter_client": "import jupyter_client",
    "builtins": "import builtins",
    "inspect": "import inspect",
    "ctypes": "import ctypes",
    "importlib": "import importlib",
    "subprocess": "import subprocess",
    "signal": "import signal",
    "pickle": "import pickle",
    "_pickle": "import pickle",
    "cloudpickle": "import cloudpickle",
    "dill": "import dill",
    "copyreg": "import copyreg",
    "marshal": "import marshal",
}
"""Modules whose import alone is listed (top-level name → label)."""
HARMLESS_SUBMODULES = ("IPython.display",)
"""Imports from these are not listed: showing output is no interference."""
MODULE_ATTRIBUTES = {
    "sys": {"settrace", "setprofile", "modules", "_getframe", "_current_frames", "meta_path", "addaudithook"},
    "gc": {"get_objects", "get_referrers", "get_referents"},
    "os": {"system", "popen", "execv", "execve", "execvp", "execvpe", "execl", "execle", "execlp", "execlpe",
           "spawnv", "spawnve", "spawnvp", "spawnvpe", "spawnl", "spawnle", "spawnlp", "spawnlpe",
           "posix_spawn", "posix_spawnp", "forkpty"},
}
"""Functions and attributes of these modules that are listed (``sys.settrace``, ``from gc import get_objects``)."""
ANY_ATTRIBUTES = {"f_back", "f_locals", "f_globals", "f_builtins", "f_trace", "tb_frame", "gi_frame", "cr_frame",
                  "ag_frame", "settrace", "setprofile", "_getframe", "__builtins__", "__subclasses__", "__globals__"}
"""Attributes listed on whatever object they are read from (frames, tracers, builtins)."""
NAMES = {"get_ipython", "__builtins__", "__import__"}
"""Names listed wherever they are used."""
DYNAMIC_CODE = {"exec", "eval", "compile"}
"""Listed unless called with a string literal as their first argument."""
COMPARISON_DUNDERS = {"__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__bool__", "__instancecheck__",
                      "__subclasscheck__"}
"""Defining or assigning these lets an object pass ``assert a == b`` or ``assert x`` whatever it holds."""
PICKLE_DUNDERS = {"__reduce__", "__reduce_ex__", "__getstate__", "__setstate__", "__getnewargs__",
                  "__getnewargs_ex__"}
"""Code that runs when a value is saved for grading or loaded in the probe process (pickling hooks)."""
FD_FUNCTIONS = {"write", "writev", "pwrite", "pwritev", "dup2", "fdopen", "sendfile"}
"""``os`` functions listed when they reach a low file descriptor (the channels of the kernel and the probe)."""
LOW_FDS = 10
"""File descriptors below this are standard streams or the channels the grader talks over."""
PROCESS_PATHS = ("/proc/", "/dev/fd", "/dev/stdout", "/dev/stderr")
"""Paths into the running process (its memory, file descriptors, working folder) named in a string."""
SUSPICIOUS_STRINGS = {"get_ipython", "__builtins__", "builtins", "__import__", "f_back", "f_locals", "f_globals",
                      "tb_frame", "gi_frame", "settrace", "setprofile", "_getframe", "__class__", "ctypes",
                      "importlib", "subprocess"} | COMPARISON_DUNDERS | PICKLE_DUNDERS
"""String literals naming these (``getattr(x, "f_back")``, ``setattr(C, "__eq__", …)``) are listed too."""
HARMLESS_MAGICS = {"time", "timeit", "matplotlib", "capture"}
"""IPython magics that only measure, plot or capture output; every other magic and ``!`` is listed."""

MAGIC_LINE = re.compile(r"^(?P<indent>\s*)(?:(?P<shell>!)|%%?(?P<magic>[A-Za-z_]\w*))")
SHELL_ASSIGNMENT = re.compile(r"^(?P<indent>\s*)[\w.]+\s*=\s*(?:(?P<shell>!)|%(?P<magic>[A-Za-z_]\w*))")
FALLBACK_PATTERNS = {
    "get_ipython": r"\bget_ipython\b",
    "IPython/ipykernel": r"\b(?:import|from)\s+(?:IPython(?!\.display\b)|ipykernel|jupyter_client)\b",
    "builtins": r"\b__builtins__\b|\b(?:import|from)\s+builtins\b",
    "sys-Interna": r"\bsys\s*\.\s*(?:settrace|setprofile|modules|_getframe|_current_frames|meta_path|addaudithook)\b",
    "inspect": r"\b(?:import|from)\s+inspect\b|\binspect\s*\.",
    "Frames": r"\.\s*(?:f_back|f_locals|f_globals|f_builtins|f_trace|tb_frame|gi_frame|cr_frame|ag_frame)\b",
    "exec/eval/compile": r"(?<![\w.])(?:exec|eval|compile)\s*\(",
    "ctypes": r"\bctypes\b",
    "importlib/__import__": r"\bimportlib\b|\b__import__\b",
    "gc-Interna": r"\bget_(?:objects|referrers|referents)\b",
    "Vergleichs-Dunder": r"\b__(?:eq|ne|lt|le|gt|ge|bool|instancecheck|subclasscheck)__\b",
    "os.system/subprocess": r"\bos\s*\.\s*(?:system|popen|exec\w*|spawn\w*|posix_spawnp?|forkpty)\b|\bsubprocess\b",
    "signal": r"\b(?:import|from)\s+signal\b|\bsignal\s*\.",
    "Shell-Befehl (!)": r"^\s*!|=\s*!",
    "pickle/copyreg": r"\b(?:import|from)\s+(?:_?pickle|cloudpickle|dill|copyreg|marshal)\b",
    "Pickle-Dunder": r"\b__(?:reduce|reduce_ex|getstate|setstate|getnewargs|getnewargs_ex)__\b",
    "os.write auf Dateideskriptor": r"\bos\s*\.\s*(?:write|writev|pwrite|pwritev|dup2|fdopen|sendfile)\s*\(",
    "Pfad /proc/ oder /dev/fd": r"/proc/|/dev/(?:fd|stdout|stderr)\b",
}
"""For cells that do not parse: construct → pattern (multiline)."""


@dataclass(frozen=True)
class Finding:
    """The listed constructs of one code cell; ``cell`` counts from 1 over all cells of the notebook."""

    cell: int
    grade_id: str | None
    constructs: tuple[str, ...]


def scan_notebook(notebook: nbformat.NotebookNode) -> list[Finding]:
    """Every code cell of ``notebook`` that uses a listed construct, in notebook order."""
    findings = []
    for number, cell in enumerate(notebook.get("cells", []), start=1):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        constructs = scan_source(source if isinstance(source, str) else "".join(source))
        if constructs:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            findings.append(Finding(number, grade_id if isinstance(grade_id, str) else None, constructs))
    return findings


def scan_source(source: str) -> tuple[str, ...]:
    """The listed constructs in one cell's code, sorted and each named once."""
    python, magics = without_magics(source)
    try:
        tree = ast.parse(python)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return tuple(sorted(set(magics) | {label for label, pattern in FALLBACK_PATTERNS.items()
                                            if re.search(pattern, source, re.MULTILINE)}))
    visitor = InterpreterAccess()
    visitor.visit(tree)
    return tuple(sorted(set(magics) | visitor.constructs))


def without_magics(source: str) -> tuple[str, list[str]]:
    """``source`` with IPython's magic and shell lines replaced by ``pass``, and the listed ones among them."""
    lines, listed = [], []
    for line in source.splitlines():
        match = MAGIC_LINE.match(line) or SHELL_ASSIGNMENT.match(line)
        if match is None:
            lines.append(line)
            continue
        if match["shell"]:
            listed.append("Shell-Befehl (!)")
        elif match["magic"] not in HARMLESS_MAGICS:
            listed.append(f"IPython-Magie %{match['magic']}")
        lines.append(f"{match['indent']}pass")
    return "\n".join(lines), listed


class InterpreterAccess(ast.NodeVisitor):
    """Collects the labels of listed constructs in a parsed cell (see the module's docstring)."""

    def __init__(self) -> None:
        self.constructs: set[str] = set()
        self.aliases: dict[str, str] = {}
        self.literal_calls: set[int] = set()

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.note_module(alias.name)
            bound = alias.asname or alias.name.split(".")[0]  # `import os.path` binds `os`
            self.aliases[bound] = alias.name if alias.asname else bound
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        self.note_module(module)
        for alias in node.names:
            if alias.name in MODULE_ATTRIBUTES.get(module, ()):
                self.constructs.add(f"{module}.{alias.name}")
            if alias.name in NAMES | ANY_ATTRIBUTES:
                self.constructs.add(alias.name)
        self.generic_visit(node)

    def note_module(self, module: str) -> None:
        top = module.split(".")[0]
        if top in IMPORTED_MODULES and not any(module == harmless or module.startswith(harmless + ".")
                                               for harmless in HARMLESS_SUBMODULES):
            self.constructs.add(IMPORTED_MODULES[top])

    def visit_Call(self, node: ast.Call) -> None:
        if (isinstance(node.func, ast.Name) and node.func.id in DYNAMIC_CODE and node.args
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            self.literal_calls.add(id(node.func))
        function = node.func
        module = (self.aliases.get(function.value.id, function.value.id)
                  if isinstance(function, ast.Attribute) and isinstance(function.value, ast.Name) else None)
        if module == "os" and function.attr in FD_FUNCTIONS:
            self.note_descriptor(f"os.{function.attr}", node)
        elif isinstance(function, ast.Name) and function.id == "open" and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and type(first.value) is int:
                self.note_descriptor("open", node)
        self.generic_visit(node)

    def note_descriptor(self, name: str, node: ast.Call) -> None:
        """A call on a file descriptor: listed unless it is a literal number of a file the cell opened itself."""
        first = node.args[0] if node.args else None
        if isinstance(first, ast.Constant) and type(first.value) is int:
            if first.value < LOW_FDS:
                self.constructs.add(f"{name} auf fd {first.value}")
        else:
            self.constructs.add(f"{name} auf einen Dateideskriptor")

    def visit_Name(self, node: ast.Name) -> None:
        if node.id in NAMES:
            self.constructs.add(node.id)
        elif node.id in DYNAMIC_CODE and id(node) not in self.literal_calls:
            self.constructs.add(f"{node.id}(…) ohne festen Text")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        module = self.aliases.get(node.value.id, node.value.id) if isinstance(node.value, ast.Name) else None
        if node.attr in MODULE_ATTRIBUTES.get(module, ()):
            self.constructs.add(f"{module}.{node.attr}")
        elif node.attr in ANY_ATTRIBUTES:
            self.constructs.add(f".{node.attr}")
        if isinstance(node.ctx, (ast.Store, ast.Del)) and (node.attr in COMPARISON_DUNDERS | PICKLE_DUNDERS
                                                          or node.attr == "__class__"):
            self.constructs.add(f"setzt .{node.attr}")
        elif node.attr in PICKLE_DUNDERS:
            self.constructs.add(f".{node.attr}")
        self.generic_visit(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for statement in node.body:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                names = [statement.name]
            elif isinstance(statement, (ast.Assign, ast.AnnAssign)):
                targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
                names = [target.id for target in targets if isinstance(target, ast.Name)]
            else:
                names = []
            for name in names:
                if name in COMPARISON_DUNDERS | PICKLE_DUNDERS:
                    self.constructs.add(f"Klasse {node.name} definiert {name}")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and node.value in SUSPICIOUS_STRINGS:
            self.constructs.add(f'Text "{node.value}"')
        if isinstance(node.value, (str, bytes)):
            text = node.value if isinstance(node.value, str) else node.value.decode("latin-1")
            for path in PROCESS_PATHS:
                if path in text or (path.endswith("/") and text == path[:-1]):
                    self.constructs.add(f'Pfad "{path.rstrip("/")}"')


def findings_reason(findings: list[Finding]) -> str:
    """The German reason for ``problems.csv``: which cells use which constructs."""
    cells = "; ".join(
        f"Zelle {finding.cell}" + (f" ({printable(finding.grade_id)})" if finding.grade_id else "")
        + f": {', '.join(finding.constructs)}"
        for finding in findings
    )
    return ("Zur manuellen Prüfung (kein Punktabzug): Der Code greift in Interpreter oder Notebook-Mechanik ein, "
            f"was Tests aushebeln könnte. {cells}.")


def printable(text: str) -> str:
    """``text`` with control and other unprintable characters written as escapes."""
    return "".join(char if char.isprintable() else ascii(char)[1:-1] for char in text)
