"""Suite-wide rule: in CI (CI=true) a skipped test fails, so a missing browser, font or data set cannot pass silently.

Locally a test skips when its tool or data is absent, and ``-rs`` says why.
"""

import os

import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("CI") and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped, but CI must run every test: {reason}"
