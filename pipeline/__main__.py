"""`python -m pipeline --input GLOB --output_dir DIR --model PRESET [beam options]`."""

import logging
import sys

from pipeline.options import help_text
from pipeline.pipeline import run

if __name__ == "__main__":
    if {"-h", "--help"} & set(sys.argv[1:]):
        print(help_text())
        sys.exit(0)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    run(sys.argv[1:])
