"""Suite-wide rule: in CI (CI=true) a skipped test fails, so a missing browser, font or data set cannot pass silently.

Locally a test skips when its tool or data is absent, and ``-rs`` says why.
Also the `real_mnist` fixture: the one place the tests look for the real MNIST files; and ``--wheel``,
which the tests of the built wheel (tests/test_wheel.py) need.
"""

import os
from pathlib import Path

import pytest

from scratchgrad.nn.data import FILES

# The real MNIST, as gzip files: the folder kept next to the repository (the one `make demo` uses), or the
# one $SCRATCHGRAD_TEST_MNIST names — CI runs the suite from an unpacked sdist, which has no ../shared beside it.
SHARED_MNIST = Path(os.environ.get("SCRATCHGRAD_TEST_MNIST") or Path(__file__).resolve().parents[2] / "shared/mnist")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--wheel", metavar="PATH", help="a built wheel: run the tests marked `wheel` against it")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "wheel: installs the wheel given with --wheel (deselected without it)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without ``--wheel`` the wheel's tests are deselected, not skipped: the fast suite is complete without them,
    and ``make test-dist`` (CI) runs them with the wheel it built."""
    if config.getoption("--wheel") is None:
        wheel_tests = [item for item in items if item.get_closest_marker("wheel")]
        config.hook.pytest_deselected(items=wheel_tests)
        items[:] = [item for item in items if not item.get_closest_marker("wheel")]


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
