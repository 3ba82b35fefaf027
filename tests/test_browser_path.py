"""The student's and the instructor's path through JupyterLab, in a real browser.

Debian's Chromium, driven by Playwright, works on a JupyterLab that serves a copy of the course:
the instructor generates and releases an assignment in the Formgrader; the student fetches it in
the Assignment List, runs the untouched notebook, is told by Validate which tests fail, fills in
the solution cells through the browser, runs everything again (plots and progress bars must
render), validates successfully and submits; the instructor grades the class with the course's
grading command and the Formgrader shows the score. Every step leaves a screenshot in
``test-artifacts/browser/`` (or ``$DLKURS_ARTIFACTS/browser``), beside JupyterLab's log.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import Browser, FrameLocator, Locator, Page, expect, sync_playwright

from coursetools.generate import COURSE_ROOT
from coursetools.grading import autograded_cells, student_notebook
from jupyterlab_server import RunningLab, jupyterlab

ASSIGNMENT = "05_lernkurven"
"""Plots, progress bars, tables and German text; one of the quicker notebooks to run."""
CHROMIUM = Path(os.environ.get("DLKURS_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(os.environ.get("DLKURS_ARTIFACTS", COURSE_ROOT / "test-artifacts")) / "browser"
ASSIGNMENT_ROW = f'tr:has(td.name a:text-is("{ASSIGNMENT}"))'
"""The assignment's row in the Formgrader's tables."""
STEP_TIMEOUT_MS = 120_000
"""Any single wait (a page, a dialog, a list): under a second here when quiet; seen at 5.5 s and more
when the 2-core machine runs other work beside the test. Real errors end a wait at once (``wait_for``)."""
RUN_TIMEOUT_MS = 600_000
"""Running or validating the whole notebook: about 20 s here when quiet, several times that on a loaded machine."""
SERVER_PATHS = re.compile(r"/(api|formgrader|assignments|course_list|nbgrader_[a-z_]+|lab/api)(/|\?|$)")
"""Requests to JupyterLab's and nbgrader's server APIs: a 4xx/5xx answer there is an error of the path."""

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing: make test installs it")


class Session:
    """The browser tab on JupyterLab, the course copy behind it, and numbered screenshots."""

    def __init__(self, page: Page, lab: RunningLab) -> None:
        self.page, self.lab, self.course = page, lab, lab.root
        self.page_errors: list[str] = []
        self.http_errors: list[str] = []
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on("response", self._record_http_error)
        self._shots = 0

    def _record_http_error(self, response) -> None:
        path = response.url.removeprefix(self.lab.url)
        if response.status >= 400 and SERVER_PATHS.match(path) and not self._expected_miss(response.request.method, path):
            self.http_errors.append(f"{response.status} {response.request.method} {path}")

    @staticmethod
    def _expected_miss(method: str, path: str) -> bool:
        """JupyterLab asks for files and settings that may not exist yet (404 by design)."""
        return method == "GET" and path.startswith(("/api/contents/", "/lab/api/workspaces", "/lab/api/translations"))

    @property
    def error_dialogs(self) -> Locator:
        """JupyterLab's error dialogs (nbgrader's extensions report failures through them) and error toasts."""
        return self.page.locator(".jp-Dialog:has(.jp-Dialog-header:text-matches('error|fehler|failed', 'i')), "
                                 ".Toastify__toast--error")

    def wait_for(self, target: Locator, timeout: float = STEP_TIMEOUT_MS) -> None:
        """Wait until ``target`` is visible, failing at once on an error dialog, a failed request or a script error.

        Playwright's own waits would sit out their whole timeout when something has already gone wrong.
        """
        deadline = time.monotonic() + timeout / 1000
        while not target.first.is_visible():
            trouble = [*self.http_errors, *self.page_errors,
                       *(text.strip()[:300] for text in self.error_dialogs.all_text_contents())]
            if trouble:
                raise AssertionError(f"waiting for {target}, JupyterLab reported: {trouble}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{target} did not appear within {timeout / 1000:.0f} s")
            self.page.wait_for_timeout(200)

    def screenshot(self, name: str) -> None:
        self._shots += 1
        self.page.screenshot(path=ARTIFACTS / f"{self._shots:02d}_{name}.png")

    def show(self, target: Locator) -> None:
        """Scroll ``target`` into view and wait until it stays put.

        JupyterLab paints off-screen cells only when they scroll into view (CSS content-visibility);
        their real heights then replace estimates, which moves the target again.
        """
        previous = None
        for _ in range(20):
            target.evaluate("element => element.scrollIntoView({block: 'center'})")
            self.page.wait_for_timeout(250)
            box = target.bounding_box()
            if box is not None and box == previous:
                return
            previous = box
        raise AssertionError(f"{target} does not come to rest in view")

    def menu(self, menu: str, command: str) -> None:
        """Click ``menu`` in JupyterLab's menu bar, then the item that runs ``command``."""
        self.page.locator("#jp-menu-panel .lm-MenuBar-itemLabel", has_text=re.compile(f"^{menu}$")).click()
        self.page.locator(f'.lm-Menu:visible li[data-command="{command}"]').click()

    def tab(self, label: str) -> None:
        self.page.locator("#jp-main-dock-panel .lm-TabBar-tab", has_text=label).first.click()

    @property
    def formgrader(self) -> FrameLocator:
        return self.page.frame_locator('iframe[src*="formgrader"]')

    @property
    def cells(self) -> Locator:
        return self.page.locator(".jp-NotebookPanel:visible .jp-Notebook .jp-Cell")

    @property
    def outputs(self) -> Locator:
        return self.page.locator(".jp-NotebookPanel:visible .jp-OutputArea-output")

    @property
    def running_prompts(self) -> Locator:
        return self.page.locator(".jp-NotebookPanel:visible .jp-InputPrompt", has_text="[*]")

    def confirm_formgrader_success(self, message: str) -> None:
        """The Formgrader reports success with ``message``; close its dialog."""
        success, failure = self.formgrader.locator("#success-modal"), self.formgrader.locator("#error-modal")
        self.wait_for(success.or_(failure))
        assert failure.count() == 0, f"the Formgrader reports an error: {failure.first.text_content()}"
        expect(success).to_contain_text(message)
        success.locator("button.btn-primary").click()
        expect(success).to_have_count(0)

    def validate(self) -> Locator:
        """Click Validate and wait for nbgrader's verdict: its success or its error dialog."""
        self.page.locator("jp-button.validate-button").click()
        verdict = self.page.locator(".nbgrader-SuccessDialog, .nbgrader-ErrorDialog")
        self.wait_for(verdict, timeout=RUN_TIMEOUT_MS)
        return verdict

    def close(self, dialog: Locator) -> None:
        dialog.locator("button.jp-Dialog-button").click()
        expect(dialog).to_have_count(0)


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory):
    """JupyterLab on a fresh copy of the course (sources, verdicts and config only), and Chromium on it."""
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    course = tmp_path_factory.mktemp("browser") / "course"
    shutil.copytree(COURSE_ROOT / "source", course / "source")
    shutil.copytree(COURSE_ROOT / "verdicts", course / "verdicts")
    shutil.copy(COURSE_ROOT / "nbgrader_config.py", course)
    with jupyterlab(course, course.parent / "jupyter-home", ARTIFACTS / "jupyterlab.log") as lab, \
            sync_playwright() as playwright:
        browser: Browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--no-first-run", "--disable-quic"])
        page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="de-DE")
        page.set_default_timeout(STEP_TIMEOUT_MS)
        expect.set_options(timeout=STEP_TIMEOUT_MS)
        page.goto(f"{lab.url}/lab?token={lab.token}")
        page.locator("#jp-main-dock-panel").wait_for()
        yield Session(page, lab)
        expect.set_options(timeout=5_000)  # Playwright's default, for whatever runs after this module
        browser.close()


def solved_cells(course: Path) -> dict[int, str]:
    """Index → solution source of every solution cell of the released notebook (code and answers)."""
    solved = student_notebook(course, ASSIGNMENT, ASSIGNMENT, solved=True)
    return {index: cell.source for index, cell in enumerate(solved.cells)
            if cell.metadata.get("nbgrader", {}).get("solution")}


def points(course: Path) -> tuple[float, float]:
    """The autograded points of a full solution and the notebook's maximum (manual answers included)."""
    source = nbformat.read(course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    total = sum(float(cell.metadata["nbgrader"].get("points", 0)) for cell in source.cells
                if cell.metadata.get("nbgrader", {}).get("grade"))
    return sum(autograded_cells(course, ASSIGNMENT, ASSIGNMENT).values()), total


def squeeze(text: str) -> str:
    return "".join(text.split())


@pytest.mark.steps
class TestStudentAndInstructorPath:
    @pytest.fixture(autouse=True)
    def screenshot_when_failing(self, request: pytest.FixtureRequest, session: Session):
        yield
        if getattr(request.node.parent, "failed_step", None) == request.node.name:
            session.screenshot(f"FAILED_{request.node.name}")
        else:
            assert not session.http_errors, f"server requests failed during this step: {session.http_errors}"

    def test_formgrader_opens_and_lists_the_assignment(self, session: Session):
        session.menu("Nbgrader", "nbgrader:open-formgrader")
        row = session.formgrader.locator(ASSIGNMENT_ROW)
        refused = session.formgrader.locator("body", has_text=re.compile("403|404|500|refused"))
        session.wait_for(row.or_(refused))
        assert refused.count() == 0, f"the Formgrader does not open: {refused.first.text_content()[:300]}"
        session.screenshot("formgrader_lists_the_assignment")

    def test_instructor_generates_and_releases_the_assignment(self, session: Session):
        row = session.formgrader.locator(ASSIGNMENT_ROW)
        row.locator("td.assign a").click()
        session.confirm_formgrader_success("Successfully created the student version")
        row.locator("td.release a").click()
        session.confirm_formgrader_success("Successfully released")
        expect(row.locator("td.status")).to_have_text("released")
        session.screenshot("formgrader_released")

    def test_assignment_list_shows_the_released_assignment(self, session: Session):
        session.menu("Nbgrader", "nbgrader:open-assignment-list")
        released = session.page.locator("#released_assignments_list > .list_item")
        session.wait_for(released)
        expect(released).to_have_count(1)
        expect(released.locator(".item_name")).to_have_text(ASSIGNMENT)
        session.screenshot("assignment_list_released")

    def test_student_fetches_and_opens_the_notebook(self, session: Session):
        session.page.locator("#released_assignments_list .item_status button", has_text="Fetch").click()
        fetched = session.page.locator("#fetched_assignments_list > .list_item")
        session.wait_for(fetched)
        expect(fetched).to_have_count(1)
        assert (session.course / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").exists(), "fetch wrote no notebook"
        fetched.locator(f'.item_name a:text-is("{ASSIGNMENT}")').first.click()
        notebook_link = session.page.locator("#fetched_assignments_list .collapse.in .item_name a")
        expect(notebook_link).to_have_text(ASSIGNMENT)
        session.screenshot("assignment_list_fetched")
        notebook_link.click()
        expect(session.page.locator(".jp-NotebookPanel:visible h1").first).to_have_text(
            re.compile("Aufgabe 05 – Lernkurven lesen und ein Modell auswählen"))
        session.wait_for(session.page.locator("#jp-main-statusbar", has_text="Idle"))
        session.screenshot("notebook_opened")

    def test_untouched_notebook_stops_at_the_first_exercise(self, session: Session):
        session.menu("Run", "runmenu:run-all")
        error = session.outputs.filter(has_text="NotImplementedError")
        session.wait_for(error, timeout=RUN_TIMEOUT_MS)
        expect(session.running_prompts).to_have_count(0)
        expect(session.outputs.filter(has_text=re.compile(r"^Gerät: (cpu|cuda)"))).to_have_count(1)
        session.show(error.first)
        session.screenshot("untouched_notebook_stops_at_exercise")

    def test_validate_reports_failing_tests_in_the_untouched_notebook(self, session: Session):
        verdict = session.validate()
        expect(verdict).to_have_class(re.compile("nbgrader-ErrorDialog"))
        expect(verdict.locator(".validation-failed")).to_be_visible()
        expect(verdict).to_contain_text("NotImplementedError")
        session.screenshot("validate_fails_untouched")
        session.close(verdict)

    def test_solution_typed_into_the_browser_runs_with_plots_and_progress_bars(self, session: Session):
        page = session.page
        for index, source in solved_cells(session.course).items():
            cell = session.cells.nth(index)
            session.show(cell)
            if "jp-MarkdownCell" in (cell.get_attribute("class") or ""):
                cell.dblclick()  # a rendered answer cell opens its editor on double click
            cell.locator(".cm-content").click()
            page.keyboard.press("ControlOrMeta+a")
            page.keyboard.insert_text(source)
            typed = cell.locator(".cm-content").text_content() or ""
            assert squeeze(typed) == squeeze(source), f"cell {index} was not filled in: {typed[:200]!r}"
            page.keyboard.press("Escape")
        session.screenshot("solution_typed")
        session.menu("Edit", "editmenu:clear-all")  # no error of the untouched run may linger
        expect(session.outputs).to_have_count(0)
        session.menu("Kernel", "runmenu:restart-and-run-all")
        page.locator(".jp-Dialog .jp-mod-accept").click()
        last_cell_ran = page.locator(".jp-NotebookPanel:visible .jp-CodeCell").last.locator(
            ".jp-InputPrompt").filter(has_text=re.compile(r"\[\d+\]"))
        stderr = session.outputs.and_(page.locator('[data-mime-type="application/vnd.jupyter.stderr"]'))
        session.wait_for(last_cell_ran.or_(stderr), timeout=RUN_TIMEOUT_MS)  # Run All stops at an error
        expect(session.running_prompts).to_have_count(0)
        assert stderr.count() == 0, f"errors or warnings in the solved notebook: {stderr.all_text_contents()}"

        outputs = session.outputs
        progress_bars = page.locator(".jp-NotebookPanel:visible .widget-hprogress")
        assert progress_bars.count() >= 2, "tqdm's progress bars did not render as widgets"
        expect(outputs.filter(has_text=re.compile("Error displaying widget|HBox\\(children"))).to_have_count(0)
        images = page.locator(".jp-NotebookPanel:visible .jp-RenderedImage img")
        assert images.count() >= 3, f"expected the learning-curve plots, found {images.count()} images"
        assert all(image.evaluate("img => img.naturalWidth > 0") for image in images.all()), "a plot did not load"
        text = page.locator(".jp-NotebookPanel:visible .jp-Notebook").text_content() or ""
        assert "Ã" not in text and "\ufffd" not in text, "German umlauts are garbled"
        session.show(progress_bars.first)
        session.screenshot("solved_progress_bar_and_plot")
        session.show(images.last)
        session.screenshot("solved_model_selection_plots")

    def test_validate_reports_success_for_the_solved_notebook(self, session: Session):
        verdict = session.validate()
        assert "nbgrader-SuccessDialog" in (verdict.get_attribute("class") or ""), (
            f"Validate reports failures in the solved notebook: {verdict.text_content()}")
        session.screenshot("validate_succeeds_solved")
        session.close(verdict)

    def test_submission_arrives_in_the_exchange(self, session: Session):
        session.tab("Assignments")
        session.page.locator("#fetched_assignments_list .item_status button", has_text="Submit").click()
        submitted = session.page.locator("#submitted_assignments_list > .list_item")
        session.wait_for(submitted)
        expect(submitted).to_have_count(1)
        session.screenshot("assignment_list_submitted")
        inbound = list((session.course / "exchange").glob(f"*/inbound/*+{ASSIGNMENT}+*/{ASSIGNMENT}.ipynb"))
        assert len(inbound) == 1, f"expected one submission in the exchange, found {inbound}"
        submitted = nbformat.read(inbound[0], as_version=4)
        assert all(squeeze(submitted.cells[index].source) == squeeze(source)
                   for index, source in solved_cells(session.course).items()), "the submission is not the solution"

    def test_formgrader_shows_the_score_after_grading(self, session: Session):
        grading = subprocess.run([sys.executable, "-m", "coursetools.grade", ASSIGNMENT, "--from-exchange",
                                  "--course", str(session.course)], capture_output=True, text=True, cwd=session.course)
        assert grading.returncode == 0, f"the grading command failed:\n{grading.stdout}\n{grading.stderr}"
        session.tab("Formgrader")
        session.formgrader.locator('a:text-is("Manage Assignments")').first.click()
        row = session.formgrader.locator(ASSIGNMENT_ROW)
        session.wait_for(row)
        expect(row.locator("td.num-submissions")).to_have_text("1")
        row.locator("td.num-submissions a").click()
        autograded, total = points(session.course)
        expect(session.formgrader.locator("td.score")).to_have_text(f"{autograded:g} / {total:g}")
        session.screenshot("formgrader_shows_score")

    def test_no_pop_up_or_script_error_got_in_the_way(self, session: Session):
        expect(session.page.locator(".Toastify__toast")).to_have_count(0)
        expect(session.page.locator(".jp-Dialog")).to_have_count(0)
        assert not session.page_errors, f"uncaught errors in JupyterLab: {session.page_errors}"
