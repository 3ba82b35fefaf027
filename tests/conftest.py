"""Steps of one path (a test class marked ``steps``) run in order; after a failed step the rest are skipped."""
from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "steps: the class's tests are consecutive steps of one path")


def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> None:
    if "steps" in item.keywords and call.excinfo is not None and not call.excinfo.errisinstance(pytest.skip.Exception):
        item.parent.failed_step = item.name  # type: ignore[attr-defined]


def pytest_runtest_setup(item: pytest.Item) -> None:
    failed = getattr(item.parent, "failed_step", None) if "steps" in item.keywords else None
    if failed is not None:
        pytest.skip(f"an earlier step failed: {failed}")
