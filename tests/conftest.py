"""Suite-wide rule: in CI (CI=true) a skipped test fails, so a missing browser, font or data set cannot pass silently.

Locally a test skips when its tool or data is absent, and ``-rs`` says why.
Also the `real_mnist` fixture: the one place the tests look for the real MNIST files.
"""

import os
from pathlib import Path

import pytest

from scratchgrad.nn.data import FILES

# The folder kept next to the repository (the one `make demo` uses), as gzip files.
SHARED_MNIST = Path(__file__).resolve().parents[2] / "shared" / "mnist"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("CI") and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped, but CI must run every test: {reason}"


@pytest.fixture(scope="session")
def real_mnist() -> Path:
    """The folder with the four real MNIST ``.gz`` files; the test skips, naming what is missing, without them."""
    missing = [f"{name}.gz" for name in FILES if not (SHARED_MNIST / f"{name}.gz").is_file()]
    if missing:
        pytest.skip(f"no real MNIST: {', '.join(missing)} not in {SHARED_MNIST}")
    return SHARED_MNIST
