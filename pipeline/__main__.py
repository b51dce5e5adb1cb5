"""`python -m pipeline --input GLOB --output_dir DIR --model PRESET [beam options]`."""

import logging
import sys

from pipeline.options import OptionsError, help_text
from pipeline.pipeline import run

if __name__ == "__main__":
    if {"-h", "--help"} & set(sys.argv[1:]):
        print(help_text())
        sys.exit(0)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        run(sys.argv[1:])
    except OptionsError as e:
        # A bad invocation is the caller's mistake, not a crash: one line per problem, the
        # usage exit status, no traceback. run() validates before it builds anything.
        for problem in e.problems:
            print(f"error: {problem}", file=sys.stderr)
        sys.exit(2)
