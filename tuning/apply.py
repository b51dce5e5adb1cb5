"""Merge an adapter into its base: `python -m tuning.apply --base P --adapter A --out DIR`.

The output is an ordinary keras-hub preset (`save_to_preset`): the base's task, tokenizer and
config with each targeted kernel replaced by `W + (alpha / rank) * A @ B`, so
`keras_hub.models.CausalLM.from_preset(DIR)` loads the tuned model (without TensorFlow, through
`handlers.keras_hub_compat.load_causal_lm`) and the pipeline needs no LoRA code. An adapter
trained on another base (config or weights fingerprint) is refused.
The base's licence files (`GEMMA_TERMS.html`, `NOTICE.md`) are copied along, and
`tuning.json` records the adapter and base the preset was made from.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import time
from collections.abc import Sequence
from typing import Any

from handlers import keras_hub_compat as compat
from handlers.calibration import CALIBRATION_FILE
from pipeline.digests import sha256_file
from tuning import lora

__all__ = ["apply_adapter", "main"]

_LOGGER = logging.getLogger(__name__)

# Files of a base preset that travel with anything derived from it (the Gemma Terms of Use).
LICENCE_FILES = ("GEMMA_TERMS.html", "NOTICE.md", "LICENSE")



def calibration_path(adapter: str) -> str:
    """Where an adapter's calibration is kept: `<adapter>.calibration.json` beside it."""
    return adapter + ".calibration.json"


def apply_adapter(base: str, adapter: str, out: str) -> dict[str, Any]:
    """Loads `base`, checks the adapter's fingerprint, merges it and saves the preset `out`.

    Returns what `tuning.json` records.

    Raises:
        lora.AdapterMismatch: the adapter was trained on another base, or does not fit it.
    """

    start = time.perf_counter()
    meta, arrays = lora.load_adapter(adapter)
    model = compat.load_causal_lm(base)
    lora.check_base(meta, lora.base_fingerprint(model.backbone))
    merged = lora.merge_adapter(model.backbone, meta, arrays)
    os.makedirs(out, exist_ok=True)
    model.save_to_preset(out)
    if os.path.isdir(base):
        for name in LICENCE_FILES:
            if os.path.exists(os.path.join(base, name)):
                shutil.copy2(os.path.join(base, name), os.path.join(out, name))
    # The confidence's temperature, fitted for this adapter (`tuning.calibrate`), travels
    # with the merged model; an adapter without one leaves the preset uncalibrated (T = 1).
    calibration = calibration_path(adapter)
    if os.path.exists(calibration):
        shutil.copy2(calibration, os.path.join(out, CALIBRATION_FILE))
    record = {
        "adapter": os.path.basename(adapter),
        "calibration": os.path.basename(calibration) if os.path.exists(calibration) else None,
        "adapter_sha256": sha256_file(adapter),
        "base": meta["base"],
        "rank": meta["rank"],
        "alpha": meta["alpha"],
        "targets": meta["targets"],
        "merged_kernels": merged,
        "training": {k: meta.get("training", {}).get(k)
                     for k in ("command", "data_sha256", "feedback", "final_loss")},
    }
    with open(os.path.join(out, "tuning.json"), "w") as f:
        json.dump(record, f, indent=2, sort_keys=True)
        f.write("\n")
    _LOGGER.info("merged %d kernels of %s into %s in %.1fs", merged, adapter, out,
                 time.perf_counter() - start)
    return record


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(
        prog="python -m tuning.apply",
        description="Merge a LoRA adapter (python -m tuning) into its base preset and save a "
        "preset that CausalLM.from_preset loads.")
    p.add_argument("--base", required=True,
                   help="The base preset the adapter was trained on (models/gemma3-270m-base).")
    p.add_argument("--adapter", required=True, help="Adapter file (.npz) from python -m tuning.")
    p.add_argument("--out", required=True, help="Preset directory to write.")
    args = p.parse_args(argv)
    apply_adapter(args.base, args.adapter, args.out)


if __name__ == "__main__":
    from pipeline import logs

    argv, level, verbose = logs.pop_verbosity(sys.argv[1:])
    logs.configure(level, verbose)
    try:
        main(argv)
    except ValueError as e:  # lora.AdapterMismatch included
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
