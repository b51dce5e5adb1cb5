"""`python -m tuning --base PRESET --data CHATS.jsonl --out ADAPTER.npz [options]`, or with
`--feedback FEEDBACK.jsonl --records RUN_DIR` instead of (or as well as) `--data`."""

import logging
import sys

from tuning.train import main

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        main()
    except ValueError as e:
        # Bad data or a bad flag combination: one line, the usage exit status.
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
