"""Times `pipeline.run(argv)` in a fresh process after imports; prints seconds last."""

import sys
import time

from pipeline.pipeline import run

if __name__ == "__main__":
    start = time.perf_counter()
    run(sys.argv[1:])
    print(f"{time.perf_counter() - start:.3f}")
