"""Suite-wide pytest hooks.

Under `CI=true` (`.ci/run`) a skipped test is a failure: CI must not go green while a test
quietly did not run (a missing emulator, Java or gcloud SDK). The skip reason becomes the
failure message. An expected failure (xfail) is not a skip and is left alone.

Keras runs on JAX in every test process (`handlers.backend`).
"""

import os

import pytest

from handlers.backend import ensure_jax_backend

# Before any test module imports keras (some import it before anything from handlers).
ensure_jax_backend()


def _ci() -> bool:
    return os.environ.get("CI") == "true"


def _skip_reason(report) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:  # (path, lineno, reason)
        longrepr = longrepr[2]
    return str(longrepr).removeprefix("Skipped: ")


def _fail_skip(report) -> None:
    report.outcome = "failed"
    report.longrepr = (f"skipped under CI=true, where every test must run: "
                       f"{_skip_reason(report)}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A skip in setup, call or teardown (marker, pytest.skip, a fixture) fails under CI."""
    outcome = yield
    report = outcome.get_result()
    if _ci() and report.skipped and not hasattr(report, "wasxfail"):
        _fail_skip(report)


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    """A module skipped while collected (pytest.importorskip, allow_module_level) fails too."""
    outcome = yield
    report = outcome.get_result()
    if _ci() and report.skipped:
        _fail_skip(report)
