"""`python -m tuning --base PRESET --data CHATS.jsonl --out ADAPTER.npz [options]`, or with
`--feedback FEEDBACK.jsonl --records RUN_DIR` instead of (or as well as) `--data`."""

import sys

from pipeline import logs

if __name__ == "__main__":
    sys.argv[1:], level, verbose = logs.pop_verbosity(sys.argv[1:])
    logs.configure(level, verbose)
    from tuning.train import main

    try:
        main()
    except ValueError as e:
        # Bad data or a bad flag combination: one line, the usage exit status.
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
