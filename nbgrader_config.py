"""nbgrader configuration of the course; paths are relative to this file's folder."""
import os

course_root = os.path.dirname(os.path.abspath(__file__))
c = get_config()  # noqa: F821 (provided by nbgrader)

c.CourseDirectory.course_id = "dlkurs-overfitting"
c.CourseDirectory.root = course_root
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(course_root, "gradebook.db")

# Students fetch and submit through this folder; it must exist and be writable, however Jupyter is started.
c.Exchange.root = os.path.join(course_root, "exchange")
os.makedirs(c.Exchange.root, exist_ok=True)

# The slowest cell (a training run) takes seconds; leave generous headroom for slow laptops.
c.Execute.timeout = 300
c.ExecutePreprocessor.timeout = 300

# nbgrader scores a test cell that writes to stderr as failed, and Python prints warnings there: a
# warning from correct student code (e.g. PyTorch's for `return float(loss)`) would cost the point.
# Every kernel that nbgrader starts (Validate, `nbgrader autograde`, the grading command's sandbox,
# which inherits Execute's settings) shows warnings on stdout instead: still visible, no longer a
# failure. Errors are error outputs and fail the cell as before. The code below runs once when the
# kernel starts and leaves no names in the notebook's namespace.
_WARNINGS_TO_STDOUT = """
def _show_warning_on_stdout(message, category, filename, lineno, file=None, line=None,
                            _sys=__import__("sys"), _warnings=__import__("warnings")):
    (file or _sys.stdout).write(_warnings.formatwarning(message, category, filename, lineno, line))
__import__("warnings").showwarning = _show_warning_on_stdout
del _show_warning_on_stdout
"""
c.Execute.extra_arguments = ["--IPKernelApp.exec_lines=" + _WARNINGS_TO_STDOUT]

# A test cell deleted from a submission is put back (and run) when grading, not silently dropped.
c.OverwriteCells.add_missing_cells = True
c.OverwriteCells.missing_cell_notification = (
    "Diese Zelle ({cell_id}) fehlte in der Abgabe; sie wurde für die Bewertung wieder eingefügt.\n\n")

c.ClearSolutions.code_stub = {"python": "# IHR CODE HIER\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "IHRE ANTWORT HIER"

# Show the German assert messages in full when students validate.
c.Validator.width = 200
