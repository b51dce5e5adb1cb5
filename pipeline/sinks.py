"""Sinks: local JSON files (the embedded default), BigQuery and Pub/Sub."""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

import apache_beam as beam

from pipeline import elements
from pipeline.metrics import counter
from pipeline.records import now, to_json_line

__all__ = [
    "PublishJson",
    "error_insert_id",
    "feedback_insert_id",
    "insert_id",
    "record_error",
    "WriteJsonFiles",
    "WriteRowsToBigQuery",
    "failed_row_error",
]


class WriteJsonFiles(beam.PTransform):
    """Writes records as newline-delimited JSON files `<dir>/<name>-SSSSS-of-NNNNN.jsonl`."""

    def __init__(self, output_dir: str, name: str):
        super().__init__()
        self._prefix = os.path.join(output_dir, name)

    def expand(self, records):
        return (
            records
            | "ToJsonLine" >> beam.Map(to_json_line)
            | "WriteFiles" >> beam.io.WriteToText(self._prefix, file_name_suffix=".jsonl")
        )


def record_error(stage: str, reason: str, record: dict[str, Any]) -> dict[str, Any]:
    """An error record for an output record a sink refused; the record is the raw payload
    (without its `processed_at`, so the same refusal repeated has the same payload)."""
    payload = {k: v for k, v in record.items() if k != "processed_at"}
    return elements.make_error(
        stage, reason, now(), chat_id=record.get("chat_id"), raw=to_json_line(payload),
        message_id=record.get("message_id"), model_variant=record.get("model_variant"),
        prompt_version=record.get("prompt_version"))


def failed_row_error(failed: tuple[Any, dict[str, Any], Any]) -> dict[str, Any]:
    """An error record for a row BigQuery rejected: `BigQueryWriteFn`'s
    (destination, row, errors)."""
    _, row, errors = failed
    return record_error(
        "write", f"BigQuery rejected the row: {json.dumps(errors, default=str)}", row)


def insert_id(row: dict[str, Any]) -> str:
    """A deterministic BigQuery insertId per chat: a redelivered chat reuses it, so BigQuery's
    streaming-insert deduplication (best effort, about a minute) drops the second copy."""
    return f"chat-{row['chat_id']}"


def feedback_insert_id(row: dict[str, Any]) -> str:
    """A deterministic insertId per decision: a chat's decisions are numbered (`sequence`),
    so a redelivered decision repeats it and a later decision on the chat does not."""
    return f"feedback-{row['chat_id']}-{row['sequence']}"


def error_insert_id(record: dict[str, Any]) -> str:
    """A deterministic insertId per error record: a digest of its stage, chat id, message id
    and whole raw payload (`raw_sha256`, taken before `raw` is cut). A redelivery of the same
    failure repeats it (deduplicated); errors without a chat id, or two different failures of
    one chat, get different ids (all kept). Two identical payloads without a message id (two
    equal lines of one input file) share it: BigQuery may keep one of them."""
    key = json.dumps([record.get(k) for k in ("stage", "chat_id", "message_id", "raw_sha256")],
                     ensure_ascii=True)
    return "error-" + hashlib.sha256(key.encode("ascii")).hexdigest()[:32]


class WriteRowsToBigQuery(beam.PTransform):
    """Streaming inserts with a declared schema; returns error records for rejected rows.

    Beam's `WriteToBigQuery` draws random insert ids (a UUID per bundle), so a redelivered
    Pub/Sub message would be inserted twice. This applies the same `BigQueryWriteFn` that
    `WriteToBigQuery` uses for STREAMING_INSERTS, with a deterministic `row_id` per record
    instead (`insert_id` for results, `error_insert_id` for errors), and keeps its failed-rows
    output. `test_client` is for tests (a fake BigQuery client).
    """

    def __init__(self, table: str, schema: dict[str, Any], create: bool = True,
                 test_client: Any = None, row_id=insert_id):
        super().__init__()
        self._table = table
        self._schema = schema
        self._create = create
        self._test_client = test_client
        self._row_id = row_id

    def expand(self, rows):
        from apache_beam.io.gcp.bigquery import BigQueryDisposition, BigQueryWriteFn
        from apache_beam.io.gcp.bigquery_tools import RetryStrategy

        table, row_id = self._table, self._row_id
        write_fn = BigQueryWriteFn(
            batch_size=BigQueryWriteFn.DEFAULT_MAX_BATCH_SIZE,
            schema=self._schema,
            create_disposition=(BigQueryDisposition.CREATE_IF_NEEDED if self._create
                                else BigQueryDisposition.CREATE_NEVER),
            write_disposition=BigQueryDisposition.WRITE_APPEND,
            retry_strategy=RetryStrategy.RETRY_ON_TRANSIENT_ERROR,
            test_client=self._test_client,
        )
        written = (
            rows
            | "WithInsertId" >> beam.Map(lambda row: (table, (row, row_id(row))))
            | "StreamingInsert" >> beam.ParDo(write_fn).with_outputs(
                BigQueryWriteFn.FAILED_ROWS, BigQueryWriteFn.FAILED_ROWS_WITH_ERRORS,
                main="written")
        )
        return written[BigQueryWriteFn.FAILED_ROWS_WITH_ERRORS] | "ToErrorRecord" >> beam.Map(
            failed_row_error)


def _definitive_refusals() -> tuple[type[BaseException], ...]:
    from google.api_core import exceptions

    return exceptions.InvalidArgument, exceptions.NotFound, exceptions.PermissionDenied


_DEFINITIVE_REFUSALS = _definitive_refusals()


class _PublishFn(beam.DoFn):
    """Publishes each record and reports the ones Pub/Sub refuses, as error records.

    Beam's `WriteToPubSub` retries but reports no per-message failure. Publishing with the
    client here lets a refused message (too large, topic gone, permission) reach the error
    sink with `stage: "publish"`. Futures are awaited at the end of the bundle, so a bundle
    publishes concurrently. Delivery stays at-least-once, as with `WriteToPubSub`.

    One sink per record: a record becomes an error only when Pub/Sub definitively refused it:
    `publish()` itself raised (a message too large, bad attributes), or the future failed
    with InvalidArgument, NotFound or PermissionDenied. A slow confirmation is waited for
    (the client's retry settings bound the wait: by default it gives up after 600 s). A
    failure that says nothing definite (deadline exceeded, retries exhausted, unavailable)
    may hide an attempt that was stored, so it is not an error record: the bundle fails and
    the runner publishes it again (at least once; consumers de-duplicate by chat_id).
    """

    def __init__(self, topic: str, publisher_factory: Any = None):
        self._topic = topic
        self._factory = publisher_factory

    def setup(self):
        if self._factory is not None:
            self._publisher = self._factory()
        else:
            from google.cloud import pubsub_v1

            self._publisher = pubsub_v1.PublisherClient()

    def start_bundle(self):
        self._pending = []

    def process(self, record, timestamp=beam.DoFn.TimestampParam, window=beam.DoFn.WindowParam):
        attributes = {}
        if record.get("chat_id") is not None:
            attributes["chat_id"] = str(record["chat_id"])
        data = to_json_line(record).encode("utf-8")
        try:
            future = self._publisher.publish(self._topic, data, **attributes)
        except Exception as e:  # noqa: BLE001 (refused before sending: report it)
            yield self._error(record, e)
            return
        self._pending.append((future, record, timestamp, window))

    def finish_bundle(self):
        from apache_beam.utils.windowed_value import WindowedValue

        pending, self._pending = self._pending, []
        for future, record, timestamp, window in pending:
            try:
                future.result()  # no deadline of our own: see the class docstring
            except _DEFINITIVE_REFUSALS as e:
                yield WindowedValue(self._error(record, e), timestamp, [window])

    def _error(self, record: dict[str, Any], exc: Exception) -> dict[str, Any]:
        counter("publish_failures").inc()
        return record_error(
            "publish", f"publishing to {self._topic} failed: {type(exc).__name__}: {exc}",
            record)


class PublishJson(beam.PTransform):
    """Publishes records as UTF-8 JSON with a chat_id attribute; returns error records for
    messages Pub/Sub refused. `publisher_factory` is for tests (a fake publisher)."""

    def __init__(self, topic: str, publisher_factory: Any = None):
        super().__init__()
        self._topic = topic
        self._factory = publisher_factory

    def expand(self, records):
        return records | "Publish" >> beam.ParDo(_PublishFn(self._topic, self._factory))
