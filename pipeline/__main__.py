"""`python -m pipeline --input GLOB --output_dir DIR --model PRESET [beam options]`."""

import logging
import sys

from pipeline.options import OptionsError, help_text
from pipeline.pipeline import EXIT_INPUT_LOST, run, unreadable_input_files

if __name__ == "__main__":
    if {"-h", "--help"} & set(sys.argv[1:]):
        print(help_text())
        sys.exit(0)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        result = run(sys.argv[1:])
    except OptionsError as e:
        # A bad invocation is the caller's mistake, not a crash: one line per problem, the
        # usage exit status, no traceback. run() validates before it builds anything.
        for problem in e.problems:
            print(f"error: {problem}", file=sys.stderr)
        sys.exit(2)
    # A run that lost input says so last, and in its exit status: the chats of a file that
    # could not be read to its end are in no sink (its error record, stage read, names it).
    lost = unreadable_input_files(result)
    if lost:
        print(f"error: input lost: {lost} input file(s) could not be read to their end; the "
              "error sink's records of stage read name each file and why", file=sys.stderr)
        sys.exit(EXIT_INPUT_LOST)
