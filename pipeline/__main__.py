"""`python -m pipeline --input GLOB --output_dir DIR --model PRESET [beam options]`."""

import logging
import sys

from pipeline.pipeline import run

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    run(sys.argv[1:])
