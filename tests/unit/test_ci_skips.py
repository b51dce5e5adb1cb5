"""The CI hook in tests/conftest.py: under CI=true a skipped test fails; xfail stays xfail."""

import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SKIPPING = '''
import pytest


class Unavailable(RuntimeError):
    pass


@pytest.fixture(scope="module")
def server():
    # The shape of tests/integration/test_streaming.py's `servers` fixture.
    try:
        raise Unavailable("emulator unavailable: no java")
        yield
    except Unavailable as e:
        pytest.skip(str(e))


def test_passes():
    pass


@pytest.mark.skip(reason="marked skip")
def test_marked():
    pass


def test_skips_in_body():
    pytest.skip("skipped in the body")


def test_needs_server(server):
    pass


@pytest.mark.xfail(reason="known bug")
def test_expected_failure():
    assert False
'''

SKIPPED_MODULE = '''
import pytest

pytest.importorskip("no_such_module_for_the_ci_hook_test")


def test_never_collected():
    pass
'''


def _session(tmp_path, ci: str | None, source: str = SKIPPING) -> tuple[dict[str, int], str]:
    """Runs pytest on a temp test file with this suite's conftest loaded as a plugin."""
    (tmp_path / "test_temp.py").write_text(source)
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci is not None:
        env["CI"] = ci
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [ROOT, env.get("PYTHONPATH")]))
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-rs", "-p", "no:cacheprovider", "-p", "tests.conftest",
         "--rootdir", str(tmp_path), "-c", os.devnull, str(tmp_path)],
        capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path)
    summary = proc.stdout.strip().splitlines()[-1]
    counts = {word: int(n) for n, word in re.findall(r"(\d+) (\w+)", summary)}
    return counts, proc.stdout


def test_skips_fail_under_ci(tmp_path):
    """CI=true: marker, body and fixture skips fail (a skip during setup reports as an error),
    with the reason shown; the passing test passes and the xfail stays an xfail."""
    counts, out = _session(tmp_path, "true")
    assert counts == {"failed": 1, "passed": 1, "xfailed": 1, "errors": 2}, out
    for reason in ("marked skip", "skipped in the body", "emulator unavailable: no java"):
        assert f"skipped under CI=true, where every test must run: {reason}" in out, reason


def test_module_skip_fails_under_ci(tmp_path):
    """CI=true: a module skipped at collection (importorskip) is a collection error."""
    counts, out = _session(tmp_path, "true", SKIPPED_MODULE)
    assert counts == {"error": 1}, out
    assert "skipped under CI=true" in out and "no_such_module_for_the_ci_hook_test" in out


def test_skips_stay_skips_outside_ci(tmp_path):
    """Without CI=true (or with another value) skips are ordinary skips."""
    for ci in (None, "false"):
        counts, out = _session(tmp_path, ci)
        assert counts == {"passed": 1, "skipped": 3, "xfailed": 1}, out
        counts, out = _session(tmp_path, ci, SKIPPED_MODULE)
        assert counts == {"skipped": 1}, out
