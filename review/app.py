"""The review web app (Flask, server-rendered): a queue, one page per chat, decisions.

Security, since it shows customer conversations:
* it binds to 127.0.0.1 unless told otherwise (`review.__main__`);
* every page but the login needs the operator's token: typed once into the login form
  (then a signed session cookie), or sent as `Authorization: Bearer <token>` by scripts;
* every form POST from a session carries a per-session CSRF token (bearer requests do not
  use cookies, so they cannot be forged cross-site and need none);
* chat text is escaped by Jinja's autoescaping, and a Content-Security-Policy allows only
  the page's own nonce'd script, so a `<script>` in a chat is shown as text and never runs;
* logs carry chat ids and decisions, never chat content.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import re
import secrets
import threading
from collections.abc import Iterator
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

from review.feedback import SENTIMENTS, ReviewQueue

__all__ = ["create_app", "serving"]

_LOGGER = logging.getLogger(__name__)

def create_app(queue: ReviewQueue, token: str, secret_key: str | None = None) -> Flask:
    """The app over `queue`. `token` is the operator's access token (required)."""
    if not token or len(token) < 12:
        raise ValueError("the review app needs an access token of at least 12 characters")
    queue_ = queue  # the view below named `queue` would shadow it
    app = Flask(__name__)
    app.config.update(SECRET_KEY=secret_key or secrets.token_hex(32),
                      SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Strict",
                      MAX_CONTENT_LENGTH=256 * 1024)

    def page(template: str, title: str, status: int = 200, **context: Any):
        return render_template(template, title=title, message=session.pop("message", None),
                               **context), status

    def bearer_ok() -> bool:
        header = request.headers.get("Authorization", "")
        return header.startswith("Bearer ") and hmac.compare_digest(
            header[7:].encode(), token.encode())

    @app.before_request
    def _guard():
        g.nonce = secrets.token_urlsafe(16)
        g.api = bearer_ok()
        if request.endpoint in ("login", "static") or g.api:
            return None
        if not session.get("reviewer"):
            if request.method != "GET" or request.path.startswith("/api/"):
                abort(401)
            return redirect(url_for("login"))
        if request.method == "POST" and not hmac.compare_digest(
                request.form.get("csrf", "").encode(), session.get("csrf", "-").encode()):
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

    @app.route("/login", methods=["GET", "POST"])
    def login():
        if request.method == "POST":
            given = request.form.get("token", "")
            reviewer = request.form.get("reviewer", "").strip()[:200]
            if reviewer and hmac.compare_digest(given.encode(), token.encode()):
                session.clear()
                session.update(reviewer=reviewer, csrf=secrets.token_urlsafe(32))
                _LOGGER.info("reviewer signed in")
                return redirect(url_for("queue"))
            _LOGGER.warning("refused a sign-in")
            return page("login.html", "sign in", status=401)
        return page("login.html", "sign in")

    @app.get("/")
    def queue():
        decided = [(i, queue_.latest(i.chat_id)) for i in queue_.decided()]
        return page("queue.html", "queue", counts=queue_.counts(),
                    pending=queue_.pending(), decided=decided)

    @app.get("/chat/<int:chat_id>")
    def item(chat_id: int):
        if not session.get("reviewer"):
            abort(401)  # the pages are for signed-in reviewers; scripts use /api/
        found = queue_.get(chat_id)
        if found is None:
            abort(404)
        return page("item.html", f"chat {chat_id}", item=found, csrf=session["csrf"],
                    latest=queue_.latest(chat_id), sentiments=SENTIMENTS)

    @app.post("/chat/<int:chat_id>")
    def decide_item(chat_id: int):
        if not session.get("reviewer"):
            abort(401)
        feedback = _decide(chat_id, request.form, session["reviewer"])
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
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("reviewer"), str):
            abort(400, "a JSON object with reviewer and decision is required")
        feedback = _decide(chat_id, body, body["reviewer"])
        return jsonify(feedback.model_dump(mode="json"))

    def _decide(chat_id: int, form, reviewer: str):
        if queue_.get(chat_id) is None:
            abort(404)
        corrected = form.get("corrected_sentiment")
        try:
            if corrected in (None, ""):
                corrected = None
            elif isinstance(corrected, str) and re.fullmatch(r"-?[01]", corrected):
                corrected = int(corrected)
            elif type(corrected) is not int:
                raise ValueError("corrected_sentiment must be 1, 0 or -1")
            feedback = queue_.record(chat_id, form.get("decision", ""), reviewer,
                                     form.get("final_reply"), corrected)
        except (TypeError, ValueError) as e:
            abort(400, str(e).splitlines()[0][:200])
        _LOGGER.info("chat %s: %s (decision %s)", chat_id, feedback.decision.value,
                     feedback.sequence)
        return feedback

    return app


@contextlib.contextmanager
def serving(app: Flask, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serves `app` on a background thread for the block; yields its base URL (port 0:
    any free port). For the demo loop, screenshots and tests."""
    from werkzeug.serving import make_server

    server = make_server(host, port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://{host}:{server.server_port}"
    finally:
        server.shutdown()
