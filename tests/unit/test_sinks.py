"""Sinks: rejected BigQuery rows reach the error sink; insert ids are deterministic."""

import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from pipeline.sinks import WriteRowsToBigQuery, insert_id


class FakeBigQuery:
    """Answers insertAll like BigQuery: rows with chat_id in `reject` get an `invalid` error."""

    def __init__(self, reject):
        self.reject = set(reject)

    def insert_rows_json(self, table, json_rows, row_ids=None, **kwargs):
        return [{"index": i, "errors": [{"reason": "invalid", "location": "summary",
                                         "message": "no such field: summary_x"}]}
                for i, row in enumerate(json_rows) if row["chat_id"] in self.reject]


def _row(i):
    return {"chat_id": i, "user_id": 1, "chat_message": "m", "sentiment": 1, "summary": "s",
            "processed_at": "2026-01-01T00:00:00+00:00"}


def test_rejected_rows_reach_the_error_sink_with_bigquerys_reason():
    """Only the rows BigQuery rejects come back, as stage=write errors with its text."""
    with TestPipeline(runner="FnApiRunner") as p:
        errors = (p | beam.Create([_row(i) for i in range(6)])
                  | WriteRowsToBigQuery("my-project:chats.results", {"fields": []}, create=False,
                                        test_client=FakeBigQuery(reject={2, 5})))
        assert_that(errors | beam.Map(lambda e: (e["chat_id"], e["stage"],
                                                 "no such field" in e["reason"])),
                    equal_to([(2, "write", True), (5, "write", True)]))


def test_insert_id_is_deterministic_per_chat():
    """A redelivered chat gets the same insert id; different chats different ones."""
    assert insert_id(_row(7)) == insert_id(dict(_row(7), summary="other")) == "chat-7"
    assert insert_id(_row(7)) != insert_id(_row(8))


class _Future:
    def __init__(self, exc=None):
        self._exc = exc

    def result(self, timeout=None):
        if self._exc:
            raise self._exc
        return "message-id"


class FakePublisher:
    """Refuses messages whose chat_id attribute is in `refuse`, like a failing Pub/Sub."""

    def __init__(self, refuse):
        self.refuse = set(refuse)

    def publish(self, topic, data, **attributes):
        if int(attributes["chat_id"]) in self.refuse:
            from google.api_core.exceptions import PermissionDenied

            return _Future(PermissionDenied("403 permission denied on topic"))
        return _Future()


def test_refused_review_messages_reach_the_error_sink():
    """Only the messages Pub/Sub refuses come back, as stage=publish errors with its text."""
    from pipeline.sinks import PublishJson

    refuse = {3}
    with TestPipeline(runner="FnApiRunner") as p:
        errors = (p | beam.Create([_row(i) for i in range(5)])
                  | PublishJson("projects/p/topics/review",
                                publisher_factory=lambda: FakePublisher(refuse)))
        assert_that(errors | beam.Map(lambda e: (e["chat_id"], e["stage"],
                                                 "permission denied" in e["reason"])),
                    equal_to([(3, "publish", True)]))
