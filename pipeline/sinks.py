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


class WriteRowsToBigQuery(beam.PTransform):
    """Streaming inserts with a declared schema; returns error records for rejected rows."""

    def __init__(self, table: str, schema: dict[str, Any], create: bool = True):
        super().__init__()
        self._table = table
        self._schema = schema
        self._create = create

    def expand(self, rows):
        from apache_beam.io.gcp.bigquery import BigQueryDisposition, RetryStrategy

        result = rows | "WriteToBigQuery" >> beam.io.WriteToBigQuery(
            self._table,
            schema=self._schema,
            method=beam.io.WriteToBigQuery.Method.STREAMING_INSERTS,
            create_disposition=(BigQueryDisposition.CREATE_IF_NEEDED if self._create
                                else BigQueryDisposition.CREATE_NEVER),
            write_disposition=BigQueryDisposition.WRITE_APPEND,
            insert_retry_strategy=RetryStrategy.RETRY_ON_TRANSIENT_ERROR,
        )
        return result.failed_rows_with_errors | "ToErrorRecord" >> beam.Map(failed_row_error)


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
