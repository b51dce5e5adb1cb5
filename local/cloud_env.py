"""Local-only wiring of the production pipeline to the emulators. Not imported by `pipeline/`.

What differs from Google Cloud, and why:
* Clients find the emulators through PUBSUB_EMULATOR_HOST and BIGQUERY_EMULATOR_HOST.
* Emulators do not check credentials, but google-cloud-bigquery's client (which Beam's
  `BigQueryWriteFn` uses for streaming inserts; `pipeline.sinks.WriteRowsToBigQuery` applies
  it) still asks `google.auth.default()` for some. `use_emulators()` answers with anonymous
  credentials, in this process only.
* Beam's BigQuery table-management client has a hard-coded Google base URL, so tables are
  created here up front (through google-cloud-bigquery, which honours the emulator host), and
  the pipeline runs with `--create_tables false` (CREATE_NEVER), which skips that client.
  The write itself, its schema and its failed-rows output are the production ones
  (`pipeline.sinks.WriteRowsToBigQuery`: Beam's `BigQueryWriteFn`, the DoFn `WriteToBigQuery`
  applies for streaming inserts, with deterministic insert ids).
"""

from __future__ import annotations

import os

from pipeline.monitoring import ALERTS_TABLE_SCHEMA, METRICS_TABLE_SCHEMA
from pipeline.schemas import (
    ERROR_TABLE_SCHEMA,
    FEEDBACK_TABLE_SCHEMA,
    RESULT_TABLE_SCHEMA,
    REVIEW_TABLE_SCHEMA,
)

__all__ = ["create_resources", "use_emulators"]


def use_emulators(env: dict[str, str]) -> None:
    """Points Pub/Sub and BigQuery clients in this process at the emulators."""
    import google.auth
    from google.auth.credentials import AnonymousCredentials

    os.environ["PUBSUB_EMULATOR_HOST"] = env["PUBSUB_EMULATOR_HOST"]
    os.environ["BIGQUERY_EMULATOR_HOST"] = env["BIGQUERY_EMULATOR_HOST"]
    os.environ["GOOGLE_CLOUD_PROJECT"] = env["PROJECT"]
    google.auth.default = lambda *a, **k: (AnonymousCredentials(), env["PROJECT"])


def bigquery_client(project: str):
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import bigquery

    return bigquery.Client(project=project, credentials=AnonymousCredentials())


def _schema(fields):
    from google.cloud import bigquery

    return [bigquery.SchemaField(f["name"], f["type"], mode=f["mode"]) for f in fields]


def create_resources(project: str, topics: list[str], subscriptions: dict[str, str],
                     dataset: str, tables: dict[str, str]) -> None:
    """Creates topics, subscriptions (name -> topic), a dataset and tables (name -> kind)."""
    from google.cloud import bigquery, pubsub_v1

    publisher = pubsub_v1.PublisherClient()
    subscriber = pubsub_v1.SubscriberClient()
    for topic in topics:
        publisher.create_topic(name=publisher.topic_path(project, topic))
    for sub, topic in subscriptions.items():
        subscriber.create_subscription(name=subscriber.subscription_path(project, sub),
                                       topic=publisher.topic_path(project, topic),
                                       ack_deadline_seconds=60)
    client = bigquery_client(project)
    client.create_dataset(dataset, exists_ok=True)
    schemas = {"results": RESULT_TABLE_SCHEMA, "errors": ERROR_TABLE_SCHEMA,
               "review": REVIEW_TABLE_SCHEMA, "feedback": FEEDBACK_TABLE_SCHEMA,
               "metrics": METRICS_TABLE_SCHEMA, "alerts": ALERTS_TABLE_SCHEMA}
    for table, kind in tables.items():
        client.create_table(bigquery.Table(f"{project}.{dataset}.{table}",
                                           schema=_schema(schemas[kind]["fields"])),
                            exists_ok=True)
