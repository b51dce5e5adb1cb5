"""Fits the sentiment confidence's temperature on chats the adapter never trained on.

    python -m tuning.calibrate --model models/demo-gemma --data tuning/data/train.jsonl \\
        --holdout 15 --out tuning/adapters/gemma3-270m-support-v3.npz.calibration.json

Runs the model's sentiment pass (the pipeline's engine and prompt) over the `--holdout`
percent of `--data` that `python -m tuning --calibration_holdout` kept out of training
(`tuning.examples.in_calibration_holdout`), fits one temperature to the value probabilities
(`handlers.calibration.fit_temperature`) and writes it with its record (chats, agreement,
negative log-likelihood and expected calibration error before and after) to `--out`, and as
`calibration.json` into `--model`. `tuning.apply` copies `<adapter>.calibration.json` into
the presets it builds.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import sys
import time
from collections.abc import Sequence

import handlers  # noqa: F401  (the JAX backend, before keras loads)
from handlers.calibration import (
    CALIBRATION_FILE,
    auroc,
    calibration_bins,
    expected_calibration_error,
    fit_temperature,
    scaled_probabilities,
)
from prompts.templates import DEFAULT_PROMPT_VERSION, load_prompt_set
from taxonomies import DEFAULT_TAXONOMY, prompt_topics
from tuning.examples import in_calibration_holdout, read_labelled_chats

_LOGGER = logging.getLogger(__name__)


def _scores(masses, labels, values, temperature):
    probs = [scaled_probabilities(m, temperature) for m in masses]
    chosen = [max(range(len(p)), key=p.__getitem__) for p in probs]
    conf = [p[c] for p, c in zip(probs, chosen, strict=True)]
    correct = [values[c] == y for c, y in zip(chosen, labels, strict=True)]
    nll = -sum(math.log(max(p[values.index(y)], 1e-12)) for p, y in zip(probs, labels,
                                                                       strict=True))
    return {"nll": round(nll / len(labels), 4),
            "ece": round(expected_calibration_error(calibration_bins(conf, correct)), 4),
            "auroc": None if auroc(conf, correct) is None else round(auroc(conf, correct), 4),
            "agreement": round(sum(correct) / len(correct), 4)}


def calibrate(model: str, data: str, holdout: int, batch_size: int = 8,
              prompt_version: str = DEFAULT_PROMPT_VERSION,
              taxonomy: str = DEFAULT_TAXONOMY) -> dict:
    """The fitted temperature and its record (the pipeline's prompts of `prompt_version`)."""
    from handlers.engine import CausalLMEngine
    from handlers.generation import Task
    from pipeline.schemas import DEFAULT_MAX_SUMMARY_CHARS, reply_constraint_spec
    from prompts import render_sentiment_prompt

    prompt_set = load_prompt_set(prompt_version)
    topics = prompt_topics(prompt_set, taxonomy)

    chats = [c for c in read_labelled_chats(data) if in_calibration_holdout(c, holdout)]
    if not chats:
        raise ValueError(f"--holdout {holdout} keeps no chat of {data}")
    start = time.perf_counter()
    engine = CausalLMEngine(model, max_batch_size=batch_size,
                            reply_spec=reply_constraint_spec(DEFAULT_MAX_SUMMARY_CHARS, topics))
    values = list(engine.automaton(Task.SENTIMENT).values)
    masses, labels = [], []
    for i in range(0, len(chats), batch_size):
        batch = chats[i:i + batch_size]
        prompts = [render_sentiment_prompt(c.chat_message, c.user_id, DEFAULT_MAX_SUMMARY_CHARS,
                                           prompt_set=prompt_set, topics=topics) for c in batch]
        # The value is decided within the first tokens; the rest of the reply is not needed.
        for chat, gen in zip(batch, engine.generate(prompts, 32, Task.SENTIMENT), strict=True):
            if gen.sentiment_probabilities is None:
                _LOGGER.warning("no sentiment value decided for a chat of user %d",
                                chat.user_id)
                continue
            masses.append(gen.sentiment_probabilities)
            labels.append(chat.sentiment)
        _LOGGER.info("calibration: %d/%d chats", min(i + batch_size, len(chats)), len(chats))
    temperature = fit_temperature(masses, [values.index(y) for y in labels])
    return {
        "temperature": round(temperature, 4),
        "record": {
            "model": model,
            "data": os.path.basename(data),
            "holdout_percent": holdout,
            "prompt_version": prompt_version,
            "chats": len(labels),
            "before": _scores(masses, labels, values, 1.0),
            "after": _scores(masses, labels, values, temperature),
            "seconds": round(time.perf_counter() - start, 1),
        },
    }


def main(argv: Sequence[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", required=True, help="The merged preset folder to calibrate.")
    p.add_argument("--data", required=True, help="Labelled chats (tuning/data format).")
    p.add_argument("--holdout", type=int, required=True,
                   help="The percent the adapter was trained without (--calibration_holdout).")
    p.add_argument("--out", required=True,
                   help="Where to write the calibration (<adapter>.calibration.json).")
    p.add_argument("--batch_size", type=int, default=8, help="Default: 8.")
    p.add_argument("--prompt_version", default=DEFAULT_PROMPT_VERSION,
                   help=f"The pipeline's prompts. Default: {DEFAULT_PROMPT_VERSION}.")
    p.add_argument("--taxonomy", default=DEFAULT_TAXONOMY,
                   help=f"Topic taxonomy, for a version that asks for one. "
                   f"Default: {DEFAULT_TAXONOMY}.")
    args = p.parse_args(argv)
    if not 1 <= args.holdout <= 50:
        p.error("--holdout must be a percent from 1 to 50")
    result = calibrate(args.model, args.data, args.holdout, args.batch_size,
                       args.prompt_version, args.taxonomy)
    for path in (args.out, os.path.join(args.model, CALIBRATION_FILE)):
        with open(path, "w") as f:
            json.dump(result, f, indent=2, sort_keys=True)
            f.write("\n")
    print(json.dumps(result, indent=2, sort_keys=True))
    return result


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    sys.exit(0 if main() else 1)
