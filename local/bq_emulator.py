"""Runs bqemulator without DuckDB's spatial extension (offline machines).

bqemulator 1.4.0 insists on downloading DuckDB's `spatial` extension at start-up and dies
offline. Spatial only backs GEOGRAPHY columns, which this product never uses, so the loader is
replaced by a no-op before the CLI starts. Runs inside the emulator's own virtualenv
(.venv-bqemu): its pins conflict with Beam's.

    .venv-bqemu/bin/python local/bq_emulator.py start --rest-port 9050 --grpc-port 9060
"""

import logging
import sys

from bqemulator.storage import engine


def _skip_spatial(self) -> None:
    logging.getLogger(__name__).warning("DuckDB spatial extension not loaded: no GEOGRAPHY")


engine.DuckDBEngine._load_spatial = _skip_spatial

if __name__ == "__main__":
    from bqemulator.cli import main

    sys.exit(main())
