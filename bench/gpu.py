"""GPU mode: decode throughput of a Gemma-2-2B-shaped model, our constrained path against
keras-hub's stock `generate`, each against the HBM roofline.

    python -m bench.run --only gpu --mode full             # on a GPU machine
    python -m bench.gpu --tiny                               # the same code on a CPU, tiny

The model is a Gemma 3 (the demo model's architecture, so our left-padded path runs) with
Gemma 2 2B's size: 26 layers, hidden 2304, 8 query / 4 KV heads of 256, FFN 9216, random
bfloat16 weights, and the real Gemma 3 tokenizer (262,144 pieces, taken from
`--tokenizer_preset`), so the constraint's per-step tables are full size. It is saved as a
preset and loaded through `from_preset`, like any preset.

* ours: `CausalLMEngine.generate(..., task=Task.SENTIMENT)`, the schema-constrained sentiment reply
  the pipeline runs. Random weights end a reply wherever the grammar lets them, so the
  figure is generated tokens / s and the step time is seconds / decode steps (the longest
  row).
* stock: keras-hub's `generate_function` on the same preset, prompts and `max_length`,
  with no stop token: each row decodes from its own prompt's end to `max_length`
  (right-padded, keras-hub's layout), so its tokens are the sum over rows and its steps run
  from the shortest prompt.

Both are timed around the compiled call only (our `inference_ms`; tokenizing outside), at
exactly the batch asked (our batch buckets are set to the sizes measured, so no padding
rows). Step time = that time / decode steps, prefill included, so it is an upper bound.

Roofline: a decode step must read every weight once and the keys and values of the positions
filled so far (on average the prompt plus half the reply), so the fastest step is
(weight bytes + KV bytes) / HBM bandwidth; ratio = roofline step time / measured step time.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

GEMMA2_2B_SHAPE = dict(num_layers=26, num_query_heads=8, num_key_value_heads=4,
                       hidden_dim=2304, intermediate_dim=9216, head_dim=256,
                       sliding_window_size=4096)
TINY_SHAPE = dict(num_layers=2, num_query_heads=2, num_key_value_heads=1, hidden_dim=32,
                  intermediate_dim=64, head_dim=16, sliding_window_size=64)

# Peak HBM bandwidth, bytes/s, by device kind substring: the first match wins, so the PCIe
# H100 (HBM2e) is tried before the SXM one.
HBM_BANDWIDTH = {"H100 PCIe": 2.0e12, "H100": 3.35e12, "H200": 4.8e12, "A100": 2.0e12,
                 "L4": 3.0e11}



def _right_padded(tokenizer, prompts, length: int) -> dict:
    """What keras-hub's `generate_preprocess` gives the stock generate function (BOS, the
    prompt's tokens, right padding to `length`), built with the tokenizer alone: that method
    goes through TensorFlow, which this project does not install."""
    import numpy as np

    token_ids = np.full((len(prompts), length), tokenizer.pad_token_id, dtype="int32")
    padding_mask = np.zeros((len(prompts), length), dtype=bool)
    for row, ids in enumerate(tokenizer(list(prompts))):
        ids = [tokenizer.start_token_id, *map(int, ids)][:length]
        token_ids[row, :len(ids)] = ids
        padding_mask[row, :len(ids)] = True
    return {"token_ids": token_ids, "padding_mask": padding_mask}

def hbm_bandwidth(device_kind: str) -> float | None:
    """Peak HBM bytes/s of a JAX `device_kind`: the first `HBM_BANDWIDTH` key it contains
    (None: unknown, no roofline)."""
    return next((v for k, v in HBM_BANDWIDTH.items() if k in device_kind), None)


def run_if_available(mode: str, tokenizer_preset: str) -> dict:
    import jax

    devices = [d for d in jax.devices() if d.platform == "gpu"]
    if not devices:
        print("GPU mode: skipped (no GPU visible to JAX); `python -m bench.gpu --tiny` runs "
              "the same code on the CPU")
        return {"gpu": "skipped: no GPU"}
    sizes = (1, 8, 32, 64) if mode == "quick" else (1, 2, 4, 8, 16, 32, 64, 128)
    kind = devices[0].device_kind
    bandwidth = hbm_bandwidth(kind)
    out = {"gpu_device": kind, "gpu_hbm_bytes_per_s": bandwidth}
    out.update(run(tokenizer_preset, GEMMA2_2B_SHAPE, sizes, "bfloat16", bandwidth))
    return out


def build_preset(path: str, shape: dict, tokenizer_preset: str, dtype: str) -> None:
    """Saves a random-weight Gemma 3 of `shape` with `tokenizer_preset`'s tokenizer."""
    import keras
    import keras_hub

    from handlers import keras_hub_compat

    keras.utils.set_random_seed(0)
    proto = keras_hub.models.Gemma3Tokenizer.from_preset(tokenizer_preset).proto
    tokenizer = keras_hub.models.Gemma3Tokenizer(proto=proto, has_vision_tokens=False)
    backbone = keras_hub.models.Gemma3Backbone(
        vocabulary_size=tokenizer.vocabulary_size(), image_size=896,
        use_sliding_window_attention=True, dtype=dtype, **shape)
    keras_hub_compat.text_only_without_tensorflow()
    preprocessor = keras_hub.models.Gemma3CausalLMPreprocessor(tokenizer=tokenizer)
    keras_hub.models.Gemma3CausalLM(backbone=backbone,
                                    preprocessor=preprocessor).save_to_preset(path)


def roofline_step_seconds(backbone, batch: int, positions: float, bandwidth: float) -> float:
    """Fastest possible decode step: every weight read once, plus the keys and values of
    `positions` filled cache positions of every row, in every layer."""
    import numpy as np

    weight_bytes = sum(int(np.prod(w.shape)) * np.dtype(w.dtype).itemsize
                       for w in backbone.weights)
    kv_bytes = (2 * backbone.num_layers * batch * positions
                * backbone.num_key_value_heads * backbone.head_dim
                * np.dtype(backbone.weights[0].dtype).itemsize)
    return (weight_bytes + kv_bytes) / bandwidth


def _prompts(n: int) -> list[str]:
    words = "order refund late broken thanks great delivery support item size".split()
    return [" ".join(words[(i + j) % len(words)] for j in range(100)) for i in range(n)]


def run(tokenizer_preset: str, shape: dict, sizes, dtype: str, bandwidth: float | None,
        new_tokens: int = 128) -> dict:
    import numpy as np

    from bench.common import metric
    from handlers.engine import CausalLMEngine
    from handlers.generation import Task
    from pipeline.schemas import reply_constraint_spec

    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        preset = os.path.join(tmp, "model")
        build_preset(preset, shape, tokenizer_preset, dtype)
        ours = CausalLMEngine(preset, max_batch_size=max(sizes),
                              reply_spec=reply_constraint_spec(256))
        ours.batch_sizes = tuple(sorted(sizes))  # no padding rows: exactly the batch asked
        stock = ours.model.make_generate_function()
        backbone = ours.model.backbone
        for batch in sizes:
            prompts = _prompts(batch)
            ours.generate(prompts, new_tokens, Task.SENTIMENT)  # compile
            results = ours.generate(prompts, new_tokens, Task.SENTIMENT)
            assert results.padded_batch_size == batch, results.padded_batch_size
            ours_s = results.inference_ms / 1000.0
            generated = sum(r.generated_tokens for r in results)
            steps = max(r.generated_tokens for r in results)
            cache = results.max_length
            prompt_width = max(r.prompt_tokens for r in results)

            inputs = _right_padded(ours.tokenizer, prompts, cache)
            stock(inputs, stop_token_ids=None)  # compile
            start = time.perf_counter()
            np.asarray(stock(inputs, stop_token_ids=None)["token_ids"])
            stock_s = time.perf_counter() - start
            lengths = inputs["padding_mask"].sum(axis=1)
            stock_steps = cache - int(lengths.min())
            stock_tokens = int((cache - lengths).sum())

            row = {"ours_tokens_per_s": generated / ours_s,
                   "stock_tokens_per_s": stock_tokens / stock_s,
                   "ours_step_ms": 1000 * ours_s / steps,
                   "stock_step_ms": 1000 * stock_s / stock_steps}
            if bandwidth:
                ours_floor = roofline_step_seconds(backbone, batch, prompt_width + steps / 2,
                                                   bandwidth)
                stock_floor = roofline_step_seconds(
                    backbone, batch, float(lengths.mean()) + stock_steps / 2, bandwidth)
                row["ours_roofline_ratio"] = ours_floor / (ours_s / steps)
                row["stock_roofline_ratio"] = stock_floor / (stock_s / stock_steps)
            for key, value in row.items():
                out[f"gpu_{key}_b{batch}"] = value
            metric(f"gpu_ours_tokens_per_s_b{batch}", row["ours_tokens_per_s"],
                   f"stock {row['stock_tokens_per_s']:.1f}; step ms ours "
                   f"{row['ours_step_ms']:.2f} stock {row['stock_step_ms']:.2f}"
                   + (f"; roofline ratio ours {row['ours_roofline_ratio']:.2f} stock "
                      f"{row['stock_roofline_ratio']:.2f}" if bandwidth else ""))
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tokenizer_preset", default="models/demo-gemma")
    parser.add_argument("--tiny", action="store_true",
                        help="a tiny shape at batch 1 and 2 on any device (keeps the mode alive)")
    parser.add_argument("--mode", choices=("quick", "full"), default="quick")
    args = parser.parse_args(argv)
    if args.tiny:
        print(run(args.tokenizer_preset, TINY_SHAPE, (1, 2), "float32", None, new_tokens=24))
    else:
        print(run_if_available(args.mode, args.tokenizer_preset))


if __name__ == "__main__":
    main()
