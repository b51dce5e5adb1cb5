"""Start and stop the local Pub/Sub and BigQuery emulators. Never leaves one running.

* Pub/Sub: Google's official emulator (gcloud SDK component `pubsub-emulator`, Debian package
  `google-cloud-cli-pubsub-emulator`), run as `java -jar <jar> --host=127.0.0.1 --port=P`.
  The jar is found under `<sdk root>/platform/pubsub-emulator/lib/`, the SDK root from
  `gcloud info`, or given as $PUBSUB_EMULATOR_JAR.
* BigQuery: `bqemulator` 1.4.0 (DuckDB-backed, REST API) from its own virtualenv
  (`.venv-bqemu`, created by `make emulators`), started through `local/bq_emulator.py`, which
  skips the DuckDB spatial extension download that kills it offline.

    with local_servers() as env:     # env: PUBSUB_EMULATOR_HOST, BIGQUERY_EMULATOR_HOST
        ...
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

__all__ = ["BQ_VENV", "EmulatorUnavailable", "find_pubsub_jar", "local_servers"]

_LOGGER = logging.getLogger(__name__)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BQ_VENV = os.path.join(ROOT, ".venv-bqemu")
PROJECT = "local-project"


class EmulatorUnavailable(RuntimeError):
    """An emulator is not installed here; the message says how to install it."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_pubsub_jar() -> str:
    """The Pub/Sub emulator jar: $PUBSUB_EMULATOR_JAR, or under the gcloud SDK root."""
    if os.environ.get("PUBSUB_EMULATOR_JAR"):
        return os.environ["PUBSUB_EMULATOR_JAR"]
    roots = []
    if shutil.which("gcloud"):
        try:
            out = subprocess.run(
                ["gcloud", "info", "--format=value(installation.sdk_root)"],
                capture_output=True, text=True, timeout=60, check=True)
            roots.append(out.stdout.strip())
        except (subprocess.SubprocessError, OSError):
            pass
    roots += ["/usr/lib/google-cloud-sdk", "/usr/share/google-cloud-sdk",
              os.path.expanduser("~/google-cloud-sdk")]
    for root in roots:
        jars = sorted(glob.glob(os.path.join(root, "platform/pubsub-emulator/lib/*.jar")))
        if jars:
            return jars[-1]
    raise EmulatorUnavailable(
        "Pub/Sub emulator not found: install the gcloud SDK and run `gcloud components install "
        "pubsub-emulator` (Debian: apt install google-cloud-cli-pubsub-emulator), or set "
        "PUBSUB_EMULATOR_JAR")


class _Server:
    def __init__(self, name: str, argv: list[str], ready, log_dir: str):
        self.name = name
        self.argv = argv
        self.ready = ready
        self.log_path = os.path.join(log_dir, f"{name}.log")
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 90.0) -> None:
        log = open(self.log_path, "wb")  # noqa: SIM115 (closed with the process)
        self.proc = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start-up; see {self.log_path}:\n"
                                   + self.tail())
            if self.ready(self):
                return
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"{self.name} not ready after {timeout}s; see {self.log_path}")

    def tail(self, n: int = 20) -> str:
        with open(self.log_path, "rb") as f:
            return b"\n".join(f.read().splitlines()[-n:]).decode("utf-8", "replace")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        # The whole process group: java and anything it forked.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


def _log_says(text: str):
    def ready(server: _Server) -> bool:
        with open(server.log_path, "rb") as f:
            return text.encode() in f.read()
    return ready


def _http_ok(url: str):
    def ready(server: _Server) -> bool:
        try:
            with urllib.request.urlopen(url, timeout=1) as r:  # noqa: S310 (localhost)
                return r.status == 200
        except OSError:
            return False
    return ready


def _bq_python() -> str:
    python = os.path.join(BQ_VENV, "bin", "python")
    if not os.path.exists(python):
        raise EmulatorUnavailable(
            f"bqemulator virtualenv missing at {BQ_VENV}: run `make emulators`")
    return python


@contextlib.contextmanager
def local_servers(pubsub_port: int | None = None, bq_port: int | None = None):
    """Starts both emulators on 127.0.0.1 and yields their environment variables.

    Both are stopped on exit, on exceptions, and at interpreter exit.
    """
    log_dir = tempfile.mkdtemp(prefix="emulators-")
    pubsub_port = pubsub_port or _free_port()
    bq_port = bq_port or _free_port()
    pubsub = _Server("pubsub", ["java", "-jar", find_pubsub_jar(), "--host=127.0.0.1",
                                f"--port={pubsub_port}"],
                     _log_says("Server started"), log_dir)
    bq = _Server("bigquery", [_bq_python(), os.path.join(ROOT, "local", "bq_emulator.py"),
                              "start", "--rest-port", str(bq_port), "--grpc-port",
                              str(_free_port()), "--project", PROJECT, "--log-format",
                              "console", "--log-level", "warning"],
                 _http_ok(f"http://127.0.0.1:{bq_port}/bigquery/v2/projects/{PROJECT}/datasets"),
                 log_dir)
    servers = [pubsub, bq]
    stop_all = lambda: [s.stop() for s in servers]  # noqa: E731
    atexit.register(stop_all)
    started = time.monotonic()
    try:
        for server in servers:
            server.start()
        _LOGGER.info("emulators ready in %.1fs (logs in %s)", time.monotonic() - started,
                     log_dir)
        yield {
            "PUBSUB_EMULATOR_HOST": f"127.0.0.1:{pubsub_port}",
            "BIGQUERY_EMULATOR_HOST": f"http://127.0.0.1:{bq_port}",
            "PROJECT": PROJECT,
            "LOG_DIR": log_dir,
        }
    finally:
        stop_all()
        atexit.unregister(stop_all)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    with local_servers() as env:
        print(env)
        print("running; Ctrl-C to stop")
        with contextlib.suppress(KeyboardInterrupt):
            signal.pause() if sys.stdin.isatty() else time.sleep(5)
