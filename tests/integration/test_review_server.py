"""The review app behind its real server (waitress, `review.app.make_server`) on a free port."""

import base64
import json
import socket
import threading
import time
import urllib.error
import urllib.request

import pytest

from review.app import create_app, serving
from review.feedback import JsonlSink, ReviewItem, ReviewQueue
from review.reviewers import Reviewers

TOKEN = "Xq3_v9LrT0kPz8WbN1cYh2-integration"
AUTH = {"Authorization": "Basic " + base64.b64encode(f"ana:{TOKEN}".encode()).decode()}


@pytest.fixture()
def url(tmp_path):
    item = ReviewItem(chat_id=1, user_id=7, chat_message="late", sentiment=-1, summary="late",
                      apology_draft="Sorry.", review_reason="negative",
                      processed_at="2026-11-25T00:00:00+00:00")
    app = create_app(ReviewQueue([item], JsonlSink(str(tmp_path / "feedback.jsonl"))),
                     Reviewers.single("ana", TOKEN))
    with serving(app, threads=2, channel_timeout=2) as base:
        yield base


def _get(url, timeout=5):
    with urllib.request.urlopen(urllib.request.Request(url, headers=AUTH),
                                timeout=timeout) as r:
        return r.status, r.read()


def test_half_open_connections_hold_no_thread_and_are_closed(url):
    """Sixty clients that send half a request (more than the server's two threads) do not
    keep a complete request from being answered at once, and are dropped once idle past
    channel_timeout (2 s here)."""
    host, port = url.removeprefix("http://").split(":")
    threads_before = threading.active_count()
    slow = []
    for _ in range(60):
        s = socket.create_connection((host, int(port)), timeout=10)
        s.sendall(b"GET /api/queue HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        slow.append(s)
    started = time.monotonic()
    status, body = _get(url + "/api/queue")
    assert status == 200 and "pending" in json.loads(body)
    assert time.monotonic() - started < 2.0
    assert threading.active_count() <= threads_before + 2  # not a thread per connection
    closed = 0
    for s in slow:
        try:
            closed += s.recv(1024) == b""  # the server hung up (waits up to the 10 s timeout)
        except TimeoutError:
            pass  # still open: the server kept it
        except OSError:  # reset by the server
            closed += 1
        s.close()
    assert closed == len(slow)


def test_deep_json_gets_a_400_over_the_wire(url):
    body = b"[" * 100_000 + b"]" * 100_000
    request = urllib.request.Request(url + "/api/chat/1/decision", data=body, method="POST",
                                     headers={**AUTH, "Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 400
    text = refused.value.read().decode()
    assert "nests deeper" in text and "Traceback" not in text
    assert _get(url + "/api/queue")[0] == 200  # and the server still serves


def test_an_oversized_header_or_foreign_host_is_refused(url):
    huge = urllib.request.Request(url + "/api/queue", headers={**AUTH, "X-Big": "x" * 40_000})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(huge, timeout=10)
    assert refused.value.code in (400, 431)
    foreign = urllib.request.Request(url + "/api/queue",
                                     headers={**AUTH, "Host": "rebound.example"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(foreign, timeout=10)
    assert refused.value.code == 400
