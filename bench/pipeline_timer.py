"""Times `pipeline.run(argv)` in a fresh process after imports; prints the programs every
engine compiled, then seconds, last."""

import sys
import time

from handlers.keras_hub_handler import compiled_programs
from pipeline.pipeline import run

if __name__ == "__main__":
    start = time.perf_counter()
    run(sys.argv[1:])
    elapsed = time.perf_counter() - start
    print(f"COMPILES {compiled_programs()}")
    print(f"{elapsed:.3f}")
