"""`python -m review serve`: the review web app over a local run's review files or the
review topic's subscription; `add-reviewer` and `remove-reviewer` manage who may sign in.

    python -m review serve --queue 'out/demo/review*.jsonl' --feedback out/feedback.jsonl
    python -m review add-reviewer ana --reviewers review-state/reviewers.json
    python -m review serve --reviewers review-state/reviewers.json \\
        --subscription projects/P/subscriptions/review-sub \\
        --feedback_topic projects/P/topics/feedback --state_dir review-state

Without `--reviewers` one reviewer (`--reviewer`, default `operator`) signs in with the token
in `$REVIEW_TOKEN`, or, when that is unset, with a fresh token printed once at start.

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

from review.app import DEFAULT_ALLOWED_HOSTS, create_app, make_server
from review.feedback import (
    JsonlSink,
    PubSubSink,
    ReviewItem,
    ReviewQueue,
    load_review_records,
    open_for_append,
)
from review.reviewers import (
    Reviewers,
    add_reviewer,
    new_token,
    remove_reviewer,
    token_strength_problem,
)
from taxonomies import DEFAULT_TAXONOMY, TaxonomyError, load_taxonomy

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
    with open_for_append(path) as f, open_for_append(path + ".rejected", "ab") as rejected:
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


def _serve_parser(sub) -> None:
    serve = sub.add_parser("serve", help="run the review web app")
    source = serve.add_mutually_exclusive_group(required=True)
    source.add_argument("--queue", help="glob of review JSONL files from a local run")
    source.add_argument("--subscription", help="the review topic's subscription "
                        "(projects/<p>/subscriptions/<s>)")
    target = serve.add_mutually_exclusive_group(required=True)
    target.add_argument("--feedback", help="feedback JSONL file (local)")
    target.add_argument("--feedback_topic", help="Pub/Sub topic for feedback records "
                        "(projects/<p>/topics/<t>)")
    serve.add_argument("--taxonomy", default=DEFAULT_TAXONOMY,
                       help="the topic taxonomy (a name in taxonomies/ or a .json path) whose "
                       "labels a reviewer may correct a chat's topic to: the pipeline's "
                       f"--taxonomy. Default: {DEFAULT_TAXONOMY}.")
    serve.add_argument("--state_dir", default="review-state",
                       help="pulled review messages (with --subscription) and the journal of "
                       "decisions published to --feedback_topic (default: review-state)")
    serve.add_argument("--host", default="127.0.0.1",
                       help="bind address (default: 127.0.0.1, this machine only)")
    serve.add_argument("--port", type=int, default=8085, help="port (default: 8085)")
    serve.add_argument("--reviewers", help="reviewers file made by `add-reviewer` (default: "
                       "none: one reviewer, see --reviewer and --token_env)")
    serve.add_argument("--reviewer", default="operator",
                       help="without --reviewers: the one reviewer's name (default: operator)")
    serve.add_argument("--token_env", default="REVIEW_TOKEN",
                       help="without --reviewers: environment variable holding that reviewer's "
                       "token (default: REVIEW_TOKEN; unset: a fresh token is printed)")
    serve.add_argument("--session_hours", type=float, default=8.0,
                       help="a sign-in lasts this many hours (default: 8)")
    serve.add_argument("--secure_cookies", action="store_true",
                       help="always mark the session cookie Secure (it is anyway when the "
                       "request came over https, or --trusted_proxy said so)")
    serve.add_argument("--allowed_hosts", default=",".join(DEFAULT_ALLOWED_HOSTS),
                       help="comma-separated host names the app answers for, as in the Host "
                       "header; * for any (default: 127.0.0.1,localhost,::1, plus --host)")
    serve.add_argument("--trusted_proxy", default=None,
                       help="address of the TLS proxy in front, whose X-Forwarded-For and "
                       "X-Forwarded-Proto are believed (default: none)")
    serve.add_argument("--decisions_per_minute", type=float, default=60.0,
                       help="decisions a minute per client address, as a burst too "
                       "(default: 60)")
    serve.add_argument("--threads", type=int, default=8,
                       help="worker threads for complete requests (default: 8)")
    serve.add_argument("--connection_limit", type=int, default=500,
                       help="open connections at most (default: 500)")
    serve.add_argument("--channel_timeout", type=float, default=30.0,
                       help="seconds an idle or half-sent connection is kept (default: 30)")


def _reviewer_parsers(sub) -> None:
    add = sub.add_parser("add-reviewer", help="add a reviewer; prints their token once")
    add.add_argument("name", help="1-64 letters, digits and . _ @ -")
    add.add_argument("--reviewers", required=True, help="the reviewers file (made if missing)")
    add.add_argument("--replace", action="store_true",
                     help="give an existing reviewer a new token (their sessions end)")
    remove = sub.add_parser("remove-reviewer",
                            help="remove a reviewer; their token and sessions stop working")
    remove.add_argument("name")
    remove.add_argument("--reviewers", required=True, help="the reviewers file")


def _reviewers(args) -> Reviewers:
    """The reviewers `serve` admits; a ValueError that says what to do otherwise."""
    if args.reviewers:
        if os.environ.get(args.token_env):
            _LOGGER.warning("%s is ignored: --reviewers names who may sign in", args.token_env)
        return Reviewers(args.reviewers)
    token = os.environ.get(args.token_env, "")
    if token:
        problem = token_strength_problem(token)
        if problem:
            raise ValueError(f"{args.token_env}: {problem}")
        return Reviewers.single(args.reviewer, token)
    token = new_token()
    # Printed, not logged: a log collector should not keep it.
    print(f"sign in as {args.reviewer} with this token (shown once): {token}",
          file=sys.stderr, flush=True)
    return Reviewers.single(args.reviewer, token)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m review")
    sub = parser.add_subparsers(dest="command", required=True)
    _serve_parser(sub)
    _reviewer_parsers(sub)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if args.command == "add-reviewer":
        try:
            token = add_reviewer(args.reviewers, args.name, replace=args.replace)
        except ValueError as e:
            print(e, file=sys.stderr)
            return 2
        print(f"{args.name}'s token (shown once, stored only as a hash): {token}")
        return 0
    if args.command == "remove-reviewer":
        try:
            remove_reviewer(args.reviewers, args.name)
        except (OSError, ValueError) as e:
            print(e, file=sys.stderr)
            return 2
        print(f"removed {args.name}; their sessions end at their next request")
        return 0
    try:
        reviewers = _reviewers(args)
    except ValueError as e:
        print(e, file=sys.stderr)
        return 2
    hosts = [h for h in args.allowed_hosts.split(",") if h.strip()]
    if args.host not in ("0.0.0.0", "::", "") and args.host not in hosts:
        hosts.append(args.host)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        _LOGGER.warning("listening on %s: tokens and session cookies travel in clear text "
                        "unless a TLS proxy is in front", args.host)
    try:
        topics = load_taxonomy(args.taxonomy).labels
    except TaxonomyError as e:
        _LOGGER.error("--taxonomy: %s", e)
        return 2
    os.makedirs(args.state_dir, exist_ok=True)
    sink = JsonlSink(args.feedback) if args.feedback else PubSubSink(
        args.feedback_topic, os.path.join(args.state_dir, "feedback-journal.jsonl"))
    previous = sink.existing()
    if args.queue:
        items, problems = load_review_records(args.queue)
        for problem in problems:
            _LOGGER.warning("skipped a review line: %s", problem)
        queue = ReviewQueue(items, sink, previous, topics)
    else:
        pulled = os.path.join(args.state_dir, "pulled.jsonl")
        items, problems = load_review_records(pulled)
        for problem in problems:
            _LOGGER.warning("skipped a pulled review line: %s", problem)
        queue = ReviewQueue(items, sink, previous, topics)
        threading.Thread(target=_pull_forever, daemon=True,
                         args=(args.subscription, pulled, queue, threading.Event())).start()
    app = create_app(queue, reviewers, session_hours=args.session_hours,
                     secure_cookies=args.secure_cookies, allowed_hosts=hosts,
                     decisions_per_minute=args.decisions_per_minute)
    server = make_server(app, args.host, args.port, threads=args.threads,
                         connection_limit=args.connection_limit,
                         channel_timeout=args.channel_timeout, trusted_proxy=args.trusted_proxy)
    _LOGGER.info("review app on http://%s:%s/ for %s (%d chats pending)", args.host,
                 server.effective_port, ", ".join(reviewers.names()), len(queue.pending()))
    server.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
