"""GPU mode: decode throughput of a Gemma-2-2B-shaped model against the HBM roofline.

Runs only where JAX sees a GPU; never in tests. Random weights with the real Gemma 2 2B
architecture and size (26 layers, hidden 2304, 8 query / 4 KV heads of 256, FFN 9216,
vocabulary 256000), bfloat16. Generated tokens are fixed by ignoring end-of-sequence (no stop
tokens, every row runs `new_tokens` steps), so tokens/s is comparable across batch sizes.
Roofline: each decode step must read every weight once, so the best possible step time is
weight bytes / HBM bandwidth; ratio = achieved steps/s / roofline steps/s.

    python -m bench.run --only gpu --mode full      # on a GPU machine
"""

from __future__ import annotations

import time

GEMMA2_2B = dict(vocabulary_size=256000, num_layers=26, num_query_heads=8,
                 num_key_value_heads=4, hidden_dim=2304, intermediate_dim=9216 * 2,
                 head_dim=256, query_head_dim_normalize=True, use_post_ffw_norm=True,
                 use_post_attention_norm=True, final_logit_soft_cap=30.0,
                 attention_logit_soft_cap=50.0, use_sliding_window_attention=True,
                 sliding_window_size=4096)

# Peak HBM bandwidth, bytes/s, by device kind substring.
HBM_BANDWIDTH = {"H100": 3.35e12, "H200": 4.8e12, "A100": 2.0e12, "L4": 3.0e11}


def run_if_available(mode: str) -> dict:
    import jax

    devices = [d for d in jax.devices() if d.platform == "gpu"]
    if not devices:
        print("GPU mode: skipped (no GPU visible to JAX)")
        return {"gpu": "skipped: no GPU"}
    return run_gpu(devices[0], mode)


def run_gpu(device, mode: str, shape: dict | None = None, new_tokens: int = 128) -> dict:
    import keras
    import keras_hub
    import numpy as np

    keras.config.set_dtype_policy("bfloat16")
    backbone = keras_hub.models.GemmaBackbone(**(shape or GEMMA2_2B))
    model = keras_hub.models.GemmaCausalLM(backbone=backbone, preprocessor=None)
    weight_bytes = sum(int(np.prod(w.shape)) * 2 for w in backbone.weights)
    kind = device.device_kind
    bandwidth = next((v for k, v in HBM_BANDWIDTH.items() if k in kind), None)
    sizes = (1, 8, 32, 128) if mode == "quick" else (1, 2, 4, 8, 16, 32, 64, 128)
    prompt_len, out = 128, {"gpu_device": kind, "gpu_weight_gb": weight_bytes / 1e9}
    for batch in sizes:
        ids = np.random.randint(10, 1000, size=(batch, prompt_len + new_tokens)).astype("int32")
        mask = np.zeros_like(ids, dtype=bool)
        mask[:, :prompt_len] = True
        inputs = {"token_ids": ids, "padding_mask": mask}
        fn = model.make_generate_function()
        fn(inputs, stop_token_ids=None)  # compile
        start = time.perf_counter()
        result = fn(inputs, stop_token_ids=None)
        np.asarray(result["token_ids"])
        step_s = (time.perf_counter() - start) / new_tokens
        out[f"gpu_decode_tokens_per_s_b{batch}"] = batch / step_s
        if bandwidth:
            out[f"gpu_roofline_ratio_b{batch}"] = (weight_bytes / bandwidth) / step_s
        print(f"GPU batch {batch}: {batch / step_s:.1f} tokens/s", flush=True)
    return out
