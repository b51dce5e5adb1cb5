"""Sinks: local JSON files (the embedded default), BigQuery and Pub/Sub."""

from __future__ import annotations

import datetime
import json
import os
from typing import Any

import apache_beam as beam

from pipeline import elements
from pipeline.transforms import to_json_line

__all__ = [
    "PublishJson",
    "insert_id",
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


def failed_row_error(failed: Any) -> dict[str, Any]:
    """An error record for a row BigQuery rejected: (destination, row, errors)."""
    row = failed[1] if isinstance(failed, tuple) and len(failed) >= 2 else failed
    errors = failed[2] if isinstance(failed, tuple) and len(failed) >= 3 else None
    chat_id = row.get("chat_id") if isinstance(row, dict) else None
    return elements.make_error(
        "write", f"BigQuery rejected the row: {json.dumps(errors, default=str)}",
        datetime.datetime.now(datetime.UTC).isoformat(), chat_id=chat_id,
        raw=to_json_line(row) if isinstance(row, dict) else str(row),
        model_variant=row.get("model_variant") if isinstance(row, dict) else None)


def insert_id(row: dict[str, Any]) -> str:
    """A deterministic BigQuery insertId per chat: a redelivered chat reuses it, so BigQuery's
    streaming-insert deduplication (best effort, about a minute) drops the second copy."""
    return f"chat-{row['chat_id']}"


class WriteRowsToBigQuery(beam.PTransform):
    """Streaming inserts with a declared schema; returns error records for rejected rows.

    Beam's `WriteToBigQuery` draws random insert ids (a UUID per bundle), so a redelivered
    Pub/Sub message would be inserted twice. This applies the same `BigQueryWriteFn` that
    `WriteToBigQuery` uses for STREAMING_INSERTS, with `insert_id()` per chat instead, and
    keeps its failed-rows output. `test_client` is for tests (a fake BigQuery client).
    """

    def __init__(self, table: str, schema: dict[str, Any], create: bool = True,
                 test_client: Any = None):
        super().__init__()
        self._table = table
        self._schema = schema
        self._create = create
        self._test_client = test_client

    def expand(self, rows):
        from apache_beam.io.gcp.bigquery import BigQueryDisposition, BigQueryWriteFn
        from apache_beam.io.gcp.bigquery_tools import RetryStrategy

        table = self._table
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
            | "WithInsertId" >> beam.Map(lambda row: (table, (row, insert_id(row))))
            | "StreamingInsert" >> beam.ParDo(write_fn).with_outputs(
                BigQueryWriteFn.FAILED_ROWS, BigQueryWriteFn.FAILED_ROWS_WITH_ERRORS,
                main="written")
        )
        return written[BigQueryWriteFn.FAILED_ROWS_WITH_ERRORS] | "ToErrorRecord" >> beam.Map(
            failed_row_error)


class PublishJson(beam.PTransform):
    """Publishes records as UTF-8 JSON to a Pub/Sub topic, with a chat_id attribute."""

    def __init__(self, topic: str):
        super().__init__()
        self._topic = topic

    def expand(self, records):
        def to_message(record):
            attributes = {}
            if record.get("chat_id") is not None:
                attributes["chat_id"] = str(record["chat_id"])
            return beam.io.PubsubMessage(to_json_line(record).encode("utf-8"), attributes)

        return (
            records
            | "ToMessage" >> beam.Map(to_message)
            | "Publish" >> beam.io.WriteToPubSub(self._topic, with_attributes=True)
        )
