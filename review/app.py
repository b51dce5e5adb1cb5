"""The review web app (Flask, server-rendered): a queue, one page per chat, decisions.

Security, since it shows customer conversations and its decisions train the model:
* it binds to 127.0.0.1 unless told otherwise (`review.__main__`) and answers only for the
  host names it is told (`allowed_hosts`: a DNS-rebinding page gets a 400);
* every reviewer has their own token (`review.reviewers`); the reviewer a decision records
  is the one who signed in (or signed the API request), never a name the request sends;
* a sign-in opens a server-side session (the cookie holds only its random id, signed,
  HttpOnly, SameSite=Strict, Secure over https) that ends at logout, after `session_hours`,
  and when the reviewer is removed or given a new token;
* after 5 failed credentials a client waits 2, 4, 8, ... seconds (429 with Retry-After),
  the right token included; each client has a budget of decisions a minute (429);
* every form POST from a session carries a per-session CSRF token (API requests carry
  their credential in `Authorization: Basic`, not a cookie, so they cannot be forged
  cross-site and need none);
* a decision replaces only the decision its reviewer saw (409 otherwise), and records it;
* JSON bodies are size- and depth-limited (400, never a traceback);
* chat text is escaped by Jinja's autoescaping, and a Content-Security-Policy allows only
  the page's own nonce'd script, so a `<script>` in a chat is shown as text and never runs;
* logs carry chat ids, decisions and reviewer names, never chat content or tokens.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import (
    Flask,
    abort,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface
from werkzeug.exceptions import Conflict, HTTPException, TooManyRequests

from pipeline.schemas import SENTIMENT_VALUES
from review.feedback import ReviewQueue, StaleDecision, item_topic
from review.guards import Backoff, TokenBucket, parse_json_body
from review.reviewers import Reviewers

__all__ = ["DEFAULT_ALLOWED_HOSTS", "create_app", "make_server", "serving"]

_LOGGER = logging.getLogger(__name__)

DEFAULT_ALLOWED_HOSTS = ("127.0.0.1", "localhost", "::1")
MAX_BODY_BYTES = 256 * 1024
MAX_JSON_DEPTH = 16
_MAX_SESSIONS = 10_000


@dataclass(frozen=True)
class _Session:
    reviewer: str
    credential: str
    csrf: str
    expires: float


class _Sessions:
    """Server-side sessions: id -> reviewer, the credential they signed in with, CSRF token
    and expiry. A session is valid while unexpired and its reviewer's credential is
    unchanged (a removed reviewer, or one given a new token, has none or another)."""

    def __init__(self, reviewers: Reviewers, lifetime_secs: float, clock: Callable[[], float]):
        self._reviewers = reviewers
        self._lifetime = lifetime_secs
        self._clock = clock
        self._lock = threading.Lock()
        self._open: dict[str, _Session] = {}

    def open(self, reviewer: str, credential: str) -> str:
        now = self._clock()
        with self._lock:
            if len(self._open) >= _MAX_SESSIONS:
                self._open = {k: s for k, s in self._open.items() if s.expires > now}
                for sid in sorted(self._open, key=lambda k: self._open[k].expires)[
                        :len(self._open) - _MAX_SESSIONS + 1]:
                    del self._open[sid]
            sid = secrets.token_urlsafe(32)
            self._open[sid] = _Session(reviewer, credential, secrets.token_urlsafe(32),
                                       now + self._lifetime)
        return sid

    def get(self, sid: Any) -> _Session | None:
        if not isinstance(sid, str):
            return None
        with self._lock:
            found = self._open.get(sid)
            if found is None:
                return None
            if found.expires <= self._clock() or \
                    self._reviewers.credential(found.reviewer) != found.credential:
                del self._open[sid]
                return None
        return found

    def close(self, sid: Any) -> None:
        with self._lock:
            self._open.pop(sid, None)


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, marked Secure when the app is told to or the request came over
    https (directly, or through a trusted proxy's X-Forwarded-Proto)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)


class _VerifiedCache:
    """API requests carry the token every time; one scrypt check per token, not per request.
    Keys are keyed hashes (the token itself is not kept); an entry holds while the
    reviewer's credential is unchanged."""

    def __init__(self, size: int = 256):
        self._key = secrets.token_bytes(32)
        self._size = size
        self._lock = threading.Lock()
        self._seen: dict[bytes, str] = {}

    def _digest(self, name: str, token: str) -> bytes:
        return hmac.new(self._key, f"{name}\0{token}".encode(), hashlib.sha256).digest()

    def get(self, name: str, token: str) -> str | None:
        with self._lock:
            return self._seen.get(self._digest(name, token))

    def put(self, name: str, token: str, credential: str) -> None:
        with self._lock:
            if len(self._seen) >= self._size:
                self._seen.clear()
            self._seen[self._digest(name, token)] = credential


def _basic_credentials(header: str) -> tuple[str, str] | None:
    """(name, token) from `Authorization: Basic base64(name:token)`, else None."""
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    name, colon, token = decoded.partition(":")
    return (name, token) if colon else None


def _host_name(host: str) -> str:
    """The name in a Host header, without its port: `[::1]:8085` -> `::1`."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].partition("]")[0]
    return host.rpartition(":")[0] if host.count(":") == 1 else host


def create_app(queue: ReviewQueue, reviewers: Reviewers, *, secret_key: str | None = None,
               session_hours: float = 8.0, secure_cookies: bool = False,
               allowed_hosts: Iterable[str] = DEFAULT_ALLOWED_HOSTS,
               decisions_per_minute: float = 60.0,
               clock: Callable[[], float] | None = None) -> Flask:
    """The app over `queue`, for the reviewers in `reviewers`.

    Args:
        session_hours: a session's lifetime from sign-in (default 8).
        secure_cookies: always mark the session cookie Secure (it is anyway over https).
        allowed_hosts: host names the app answers for (`Host` header); `*` allows any.
        decisions_per_minute: each client's budget of decisions (a burst of as many).
        clock: monotonic seconds (tests move it); `time.monotonic` by default.
    """
    if not isinstance(reviewers, Reviewers):
        raise TypeError("create_app needs a review.reviewers.Reviewers (one per reviewer; "
                        "Reviewers.single(name, token) for one)")
    if session_hours <= 0:
        raise ValueError("session_hours must be more than 0")
    clock = clock or time.monotonic
    hosts = {h.strip().strip("[]").lower() for h in allowed_hosts if h.strip()}
    any_host = "*" in hosts
    sessions = _Sessions(reviewers, session_hours * 3600.0, clock)
    backoff = Backoff(clock=clock)
    budget = TokenBucket(decisions_per_minute, clock=clock)
    verified = _VerifiedCache()
    queue_ = queue  # the view below named `queue` would shadow it
    app = Flask(__name__)
    app.session_interface = _SessionInterface()
    app.config.update(SECRET_KEY=secret_key or secrets.token_hex(32),
                      SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Strict",
                      SESSION_COOKIE_SECURE=secure_cookies,
                      PERMANENT_SESSION_LIFETIME=timedelta(hours=session_hours),
                      MAX_CONTENT_LENGTH=MAX_BODY_BYTES)

    def page(template: str, title: str, status: int = 200, **context: Any):
        return render_template(template, title=title, message=session.pop("message", None),
                               **context), status

    def client() -> str:
        return request.remote_addr or "-"

    def wait_if_blocked() -> None:
        wait = backoff.retry_after(client())
        if wait:
            _LOGGER.warning("client %s is backing off after failed credentials", client())
            raise TooManyRequests("too many failed sign-ins from this address; wait",
                                  retry_after=wait)

    def api_reviewer() -> str:
        """The reviewer an API request's credential names (401/429 otherwise)."""
        given = _basic_credentials(request.headers.get("Authorization", ""))
        if given is None:
            abort(401, "send Authorization: Basic with reviewer:token")
        wait_if_blocked()
        name, token = given
        credential = verified.get(name, token)
        if credential is None or credential != reviewers.credential(name):
            credential = reviewers.verify(name, token)
            if credential is None:
                backoff.failed(client())
                _LOGGER.warning("refused an API credential from %s", client())
                abort(401, "wrong reviewer or token")
            verified.put(name, token, credential)
        return name

    @app.before_request
    def _guard():
        g.nonce = secrets.token_urlsafe(16)
        g.reviewer = g.csrf = None
        g.api = False
        if not any_host and _host_name(request.host) not in hosts:
            abort(400, "this host name is not one the review app serves (--allowed_hosts)")
        if request.endpoint == "static":
            return None
        if request.headers.get("Authorization"):
            g.reviewer, g.api = api_reviewer(), True
            return None
        found = sessions.get(session.get("sid"))
        if found is not None:
            g.reviewer, g.csrf = found.reviewer, found.csrf
        if request.endpoint == "login":
            return None
        if found is None:
            if request.method != "GET" or request.path.startswith("/api/"):
                abort(401)
            return redirect(url_for("login"))
        if request.method == "POST" and not hmac.compare_digest(
                request.form.get("csrf", "").encode(), found.csrf.encode()):
            abort(400, "missing or wrong CSRF token")
        return None

    @app.after_request
    def _headers(response):
        response.headers["Content-Security-Policy"] = (
            f"default-src 'none'; script-src 'nonce-{g.get('nonce', '')}'; "
            f"style-src 'nonce-{g.get('nonce', '')}'; form-action 'self'; "
            "frame-ancestors 'none'; base-uri 'none'")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(HTTPException)
    def _error(e: HTTPException):
        """API errors as JSON; pages keep werkzeug's page. Never a traceback."""
        if not request.path.startswith("/api/"):
            return e
        response = jsonify(error=e.description)
        response.status_code = e.code or 500
        for name, value in e.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.route("/login", methods=["GET", "POST"])
    def login():
        if request.method == "POST":
            try:
                wait_if_blocked()
            except TooManyRequests as e:
                body, _ = page("login.html", "sign in", blocked=e.retry_after)
                return body, 429, {"Retry-After": str(e.retry_after)}
            name = request.form.get("reviewer", "").strip()
            credential = reviewers.verify(name, request.form.get("token", ""))
            if credential is not None:
                sessions.close(session.get("sid"))
                session.clear()
                session["sid"] = sessions.open(name, credential)
                session.permanent = True
                _LOGGER.info("%s signed in", name)
                return redirect(url_for("queue"))
            backoff.failed(client())
            _LOGGER.warning("refused a sign-in from %s", client())
            return page("login.html", "sign in", status=401, refused=True)
        return page("login.html", "sign in")

    @app.post("/logout")
    def logout():
        _LOGGER.info("%s signed out", g.reviewer)
        sessions.close(session.get("sid"))
        session.clear()
        session["message"] = "Signed out."
        return redirect(url_for("login"))

    @app.get("/")
    def queue():
        decided = [(i, queue_.latest(i.chat_id)) for i in queue_.decided()]
        return page("queue.html", "queue", counts=queue_.counts(),
                    pending=queue_.pending(), decided=decided)

    @app.get("/chat/<int:chat_id>")
    def item(chat_id: int):
        if g.api:
            abort(401)  # the pages are for signed-in reviewers; scripts use /api/
        found = queue_.get(chat_id)
        if found is None:
            abort(404)
        latest = queue_.latest(chat_id)
        # The selects start at the current decision's corrections, else at the model's.
        sentiment = found.sentiment
        topic = item_topic(found)
        if latest is not None and latest.corrected_sentiment is not None:
            sentiment = latest.corrected_sentiment
        if latest is not None and latest.corrected_topic is not None:
            topic = latest.corrected_topic
        return page("item.html", f"chat {chat_id}", item=found, csrf=g.csrf,
                    latest=latest, history=queue_.history(chat_id),
                    sentiments=SENTIMENT_VALUES, sentiment=sentiment, topic=topic,
                    topic_outside=topic is not None and topic not in queue_.topics,
                    topic_groups=_topic_groups(queue_.topics))

    @app.post("/chat/<int:chat_id>")
    def decide_item(chat_id: int):
        if g.api:
            abort(401)
        replaces = request.form.get("replaces", "")
        if not re.fullmatch(r"[0-9]{0,18}", replaces):
            abort(400, "replaces must be the sequence of the decision shown")
        feedback = _decide(chat_id, request.form, int(replaces) if replaces else None)
        session["message"] = (f"Chat #{chat_id}: {feedback.decision.value} recorded "
                              f"(decision {feedback.sequence}).")
        following = queue_.pending()
        if following:
            return redirect(url_for("item", chat_id=following[0].chat_id))
        return redirect(url_for("queue"))

    @app.get("/api/queue")
    def api_queue():
        return jsonify(counts=queue_.counts(),
                       pending=[i.model_dump() for i in queue_.pending()])

    @app.post("/api/chat/<int:chat_id>/decision")
    def api_decide(chat_id: int):
        if request.mimetype != "application/json":
            abort(400, "send the decision as application/json")
        try:
            body = parse_json_body(request.get_data(cache=False), MAX_JSON_DEPTH)
        except ValueError as e:
            abort(400, str(e))
        if not isinstance(body, dict):
            abort(400, "a JSON object with decision is required")
        replaces = body.get("replaces_sequence")
        if replaces is not None and (type(replaces) is not int or replaces < 1):
            abort(400, "replaces_sequence must be the sequence of the current decision")
        feedback = _decide(chat_id, body, replaces)
        return jsonify(feedback.model_dump(mode="json"))

    def _decide(chat_id: int, form, replaces: int | None):
        wait = budget.take(client())
        if wait:
            raise TooManyRequests("too many decisions from this address; wait",
                                  retry_after=wait)
        if queue_.get(chat_id) is None:
            abort(404)
        named = form.get("reviewer")
        if named is not None and named != g.reviewer:
            # Refused, not ignored: a script that thinks it decides as someone else has a bug
            # its operator should see.
            _LOGGER.warning("%s sent a decision naming another reviewer", g.reviewer)
            abort(403, f"decisions are recorded under the signed-in reviewer ({g.reviewer}); "
                  "this request names another")
        corrected = form.get("corrected_sentiment")
        try:
            if corrected in (None, ""):
                corrected = None
            elif isinstance(corrected, str) and re.fullmatch(r"-?[01]", corrected):
                corrected = int(corrected)
            elif type(corrected) is not int:
                raise ValueError("corrected_sentiment must be 1, 0 or -1")
            topic = form.get("corrected_topic")
            if topic in (None, ""):
                topic = None
            elif not isinstance(topic, str):
                raise ValueError("corrected_topic must be a label (major.minor)")
            feedback = queue_.record(chat_id, form.get("decision", ""), g.reviewer,
                                     form.get("final_reply"), corrected, replaces=replaces,
                                     corrected_topic=topic)
        except StaleDecision as e:
            raise Conflict(f"{e}; reload the chat to see it before replacing it") from None
        except (TypeError, ValueError) as e:
            abort(400, str(e).splitlines()[0][:200])
        _LOGGER.info("chat %s: %s by %s (decision %s, replacing %s)", chat_id,
                     feedback.decision.value, g.reviewer, feedback.sequence,
                     feedback.replaces_sequence)
        return feedback

    return app


def _topic_groups(labels: Iterable[str]) -> list[tuple[str, list[str]]]:
    """The labels grouped by major category, in taxonomy order: the topic select's groups."""
    groups: dict[str, list[str]] = {}
    for label in labels:
        groups.setdefault(label.partition(".")[0], []).append(label)
    return list(groups.items())


def make_server(app: Flask, host: str = "127.0.0.1", port: int = 0, *, threads: int = 8,
                connection_limit: int = 500, channel_timeout: float = 30.0,
                trusted_proxy: str | None = None):
    """A waitress server for `app` (not started: call `.run()`). Waitress reads requests on
    one event loop and hands only complete ones to its `threads`, so a slow or half-open
    connection holds no thread; one idle for `channel_timeout` seconds is closed; at most
    `connection_limit` are open. `trusted_proxy` (an address) is the TLS proxy whose
    X-Forwarded-For/-Proto are believed (client address for the back-off, https for the
    Secure cookie)."""
    from waitress.server import create_server

    proxy = {}
    if trusted_proxy:
        proxy = {"trusted_proxy": trusted_proxy, "trusted_proxy_count": 1,
                 "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"},
                 "clear_untrusted_proxy_headers": True}
    return create_server(
        app, host=host, port=port, threads=threads, connection_limit=connection_limit,
        channel_timeout=channel_timeout,
        cleanup_interval=max(1, min(30, int(channel_timeout // 2) or 1)),
        max_request_header_size=32 * 1024, max_request_body_size=MAX_BODY_BYTES,
        asyncore_use_poll=True,  # select() stops at 1,024 descriptors
        expose_tracebacks=False, ident="review", **proxy)


def _stop(server) -> None:
    """Stops a waitress server running on another thread (as webtest's StopableWSGIServer
    does): closes every channel and the listener, then the worker threads."""
    quiet = logging.getLogger("waitress")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # closing the trigger from here logs "unhandled close"
    try:
        while server._map:
            for channel in list(server._map.values()):
                channel.handle_close()
        server.task_dispatcher.shutdown()
    finally:
        quiet.setLevel(level)


@contextlib.contextmanager
def serving(app: Flask, host: str = "127.0.0.1", port: int = 0, **limits) -> Iterator[str]:
    """Serves `app` with waitress on a background thread for the block; yields its base URL
    (port 0: any free port). For the demo loop, screenshots and tests."""
    server = make_server(app, host, port, **limits)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.effective_port}"
    finally:
        _stop(server)
        thread.join(timeout=10)
