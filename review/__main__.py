"""`python -m review serve`: the review web app over a local run's review files or the
review topic's subscription.

    REVIEW_TOKEN=... python -m review serve --queue 'out/demo/review*.jsonl' \\
        --feedback out/feedback.jsonl
    REVIEW_TOKEN=... python -m review serve --subscription projects/P/subscriptions/review-sub \\
        --feedback_topic projects/P/topics/feedback --state_dir review-state

Pulled review messages are appended to `<state_dir>/pulled.jsonl` (fsync'ed) before they
are acknowledged, so a restart loses none; the queue is that file.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
import time

from review.feedback import JsonlSink, PubSubSink, ReviewItem, ReviewQueue, load_review_records

_LOGGER = logging.getLogger("review")


def _pull_forever(subscription: str, path: str, queue: ReviewQueue,
                  stop: threading.Event) -> None:
    from google.cloud import pubsub_v1

    subscriber = pubsub_v1.SubscriberClient()
    while not stop.is_set():
        try:
            received = _pull_once(subscriber, subscription, path, queue)
        except Exception:  # noqa: BLE001 (a transient error must not end the loop)
            _LOGGER.exception("pulling review messages failed; retrying in 5 s")
            time.sleep(5.0)
            continue
        if not received:
            time.sleep(1.0)


def _pull_once(subscriber, subscription: str, path: str, queue: ReviewQueue) -> int:
    """One pull: valid records are appended to `path` as one JSON line each (fsync'ed)
    before they are acknowledged; a message that is not a review record is acknowledged
    after it is kept in `<path>.rejected` (it would be redelivered forever otherwise)."""
    response = subscriber.pull(subscription=subscription, max_messages=100, timeout=30)
    items, acks = [], []
    with open(path, "a", encoding="utf-8") as f, \
            open(path + ".rejected", "ab") as rejected:
        for message in response.received_messages:
            try:
                item = ReviewItem.model_validate_json(message.message.data)
            except ValueError:
                _LOGGER.error("review message %s is not a review record; kept in %s",
                              message.message.message_id, rejected.name)
                rejected.write(message.message.data.replace(b"\n", b" ") + b"\n")
            else:
                items.append(item)
                f.write(item.model_dump_json() + "\n")
            acks.append(message.ack_id)
        for handle in (f, rejected):
            handle.flush()
            os.fsync(handle.fileno())
    if acks:
        subscriber.acknowledge(subscription=subscription, ack_ids=acks)
    queue.add(items)
    return len(response.received_messages)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m review")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the review web app")
    source = serve.add_mutually_exclusive_group(required=True)
    source.add_argument("--queue", help="glob of review JSONL files from a local run")
    source.add_argument("--subscription", help="the review topic's subscription")
    target = serve.add_mutually_exclusive_group(required=True)
    target.add_argument("--feedback", help="feedback JSONL file (local)")
    target.add_argument("--feedback_topic", help="Pub/Sub topic for feedback records")
    serve.add_argument("--state_dir", default="review-state",
                       help="pulled review messages (with --subscription) and the journal of "
                       "decisions published to --feedback_topic")
    serve.add_argument("--host", default="127.0.0.1",
                       help="bind address (default: this machine only)")
    serve.add_argument("--port", type=int, default=8085)
    serve.add_argument("--token_env", default="REVIEW_TOKEN",
                       help="environment variable holding the access token")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    token = os.environ.get(args.token_env, "")
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        _LOGGER.warning("listening on %s: the token and session cookie travel in clear "
                        "text unless a TLS proxy is in front", args.host)
    if len(token) < 12:
        print(f"set {args.token_env} to an access token of at least 12 characters",
              file=sys.stderr)
        return 2
    from review.app import create_app

    os.makedirs(args.state_dir, exist_ok=True)
    sink = JsonlSink(args.feedback) if args.feedback else PubSubSink(
        args.feedback_topic, os.path.join(args.state_dir, "feedback-journal.jsonl"))
    previous = sink.existing()
    if args.queue:
        items, problems = load_review_records(args.queue)
        for problem in problems:
            _LOGGER.warning("skipped a review line: %s", problem)
        queue = ReviewQueue(items, sink, previous)
    else:
        pulled = os.path.join(args.state_dir, "pulled.jsonl")
        items, problems = load_review_records(pulled)
        for problem in problems:
            _LOGGER.warning("skipped a pulled review line: %s", problem)
        queue = ReviewQueue(items, sink, previous)
        threading.Thread(target=_pull_forever, daemon=True,
                         args=(args.subscription, pulled, queue, threading.Event())).start()
    app = create_app(queue, token)
    _LOGGER.info("review app on http://%s:%d/ (%d chats pending)", args.host, args.port,
                 len(queue.pending()))
    from werkzeug.serving import make_server

    make_server(args.host, args.port, app, threaded=True).serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
