"""LoRA on a keras-hub backbone: enable, fingerprint the base, save, load and merge adapters.

LoRA itself is keras's (`backbone.enable_lora` -> `EinsumDense.enable_lora`): each targeted
kernel `W` is used as `W + (alpha / rank) * A @ B`, with `A` of shape `W.shape[:-1] + (rank,)`
and `B` of shape `(rank, W.shape[-1])`. An adapter file holds only `A` and `B` per layer, keyed
by the layer's path in the backbone (`decoder_block_3/attention/query`), plus a JSON header:
rank, alpha, targets and the fingerprint of the base it was trained on. Merging adds the same
product to the base kernels, so the merged model computes what the LoRA model computed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = [
    "ADAPTER_FORMAT",
    "ALL_TARGETS",
    "DEFAULT_TARGETS",
    "AdapterMismatch",
    "adapter_arrays",
    "base_fingerprint",
    "check_base",
    "enable_lora",
    "load_adapter",
    "load_into_lora",
    "merge_adapter",
    "save_adapter",
]

ADAPTER_FORMAT = "gemma-chat-pipeline-lora/1"
_META_KEY = "__meta__"
_A, _B = "lora_kernel_a", "lora_kernel_b"

# keras-hub's own default for Gemma (`Backbone.default_lora_layer_names`): query and value.
DEFAULT_TARGETS = ("query", "value")
# Every projection of a Gemma decoder block (attention and feed-forward).
ALL_TARGETS = ("query", "key", "value", "attention_output", "ffw_gating", "ffw_gating_2",
               "ffw_linear")


class AdapterMismatch(ValueError):
    """The adapter does not fit this base preset (fingerprint, layer or shape)."""


def base_fingerprint(backbone) -> dict[str, str]:
    """sha256 of the backbone's config and of its weights (dtype, shape and bytes of every
    variable, LoRA factors excluded, in the backbone's order).

    Weights are hashed as values, not as the `.h5` file, so the same weights saved twice (or
    rebuilt by `builders.gemma_gguf` on another machine) give the same fingerprint.
    """
    config = json.dumps(backbone.get_config(), sort_keys=True, default=str)
    digest = hashlib.sha256()
    for variable in backbone.weights:
        if variable.path.endswith((_A, _B)):
            continue
        value = np.ascontiguousarray(np.asarray(variable))
        digest.update(f"{value.dtype.str}{value.shape};".encode())
        digest.update(value.tobytes())
    return {"config_sha256": hashlib.sha256(config.encode()).hexdigest(),
            "weights_sha256": digest.hexdigest()}


def check_base(meta: Mapping[str, Any], fingerprint: Mapping[str, str]) -> None:
    """Raises AdapterMismatch unless the adapter was trained on a base with this fingerprint."""
    expected = meta.get("base", {})
    for key in ("config_sha256", "weights_sha256"):
        if expected.get(key) != fingerprint.get(key):
            raise AdapterMismatch(
                f"adapter was trained on another base: {key} is {expected.get(key)!r} in the "
                f"adapter, {fingerprint.get(key)!r} for this preset (adapter base: "
                f"{expected.get('preset', '?')})")


def enable_lora(backbone, rank: int, alpha: float, targets: Sequence[str] = DEFAULT_TARGETS):
    """keras-hub's `backbone.enable_lora(rank, targets)` (freezes everything else), with the
    scale `alpha / rank` set on every LoRA layer. Returns `{path: layer}` of the LoRA layers.

    Raises:
        ValueError: no layer matched `targets`.
    """
    backbone.enable_lora(rank, target_layer_names=list(targets))
    layers = lora_layers(backbone)
    if not layers:
        raise ValueError(f"no layer of {type(backbone).__name__} is named one of {targets}")
    for layer in layers.values():
        layer.lora_alpha = float(alpha)
    return layers


def lora_layers(backbone) -> dict[str, Any]:
    """`{path: layer}` of the backbone's LoRA-enabled layers, in the backbone's order."""
    return {layer.path: layer for layer in backbone._flatten_layers(include_self=False)
            if getattr(layer, "lora_enabled", False)}


def _layers_by_path(backbone) -> dict[str, Any]:
    return {layer.path: layer for layer in backbone._flatten_layers(include_self=False)}


def adapter_arrays(backbone) -> dict[str, np.ndarray]:
    """`{"<layer path>/lora_kernel_a": A, ".../lora_kernel_b": B}` of every LoRA layer."""
    arrays = {}
    for path, layer in lora_layers(backbone).items():
        arrays[f"{path}/{_A}"] = np.asarray(layer.lora_kernel_a, dtype=np.float32)
        arrays[f"{path}/{_B}"] = np.asarray(layer.lora_kernel_b, dtype=np.float32)
    return arrays


def save_adapter(path: str, arrays: Mapping[str, np.ndarray], meta: Mapping[str, Any]) -> None:
    """Writes the factors and the JSON header (`format`, `rank`, `alpha`, `targets`, `base`,
    anything else given) to one `.npz` file."""
    header = {"format": ADAPTER_FORMAT, **meta}
    for key in ("rank", "alpha", "targets", "base"):
        if key not in header:
            raise ValueError(f"adapter meta lacks {key!r}")
    with open(path, "wb") as f:
        np.savez_compressed(f, **{_META_KEY: np.array(json.dumps(header, sort_keys=True))},
                            **arrays)


def load_adapter(path: str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """(header, arrays) of an adapter file.

    Raises:
        ValueError: not an adapter of this format.
    """
    with np.load(path, allow_pickle=False) as data:
        if _META_KEY not in data.files:
            raise ValueError(f"{path} is not a LoRA adapter (no {_META_KEY})")
        meta = json.loads(str(data[_META_KEY]))
        arrays = {name: data[name] for name in data.files if name != _META_KEY}
    if meta.get("format") != ADAPTER_FORMAT:
        raise ValueError(f"{path}: adapter format {meta.get('format')!r}, "
                         f"expected {ADAPTER_FORMAT!r}")
    return meta, arrays


def _factor_pairs(arrays: Mapping[str, np.ndarray]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    pairs = {}
    for name in arrays:
        if name.endswith("/" + _A):
            layer_path = name[: -len(_A) - 1]
            b_name = f"{layer_path}/{_B}"
            if b_name not in arrays:
                raise AdapterMismatch(f"adapter has {name} but no {b_name}")
            pairs[layer_path] = (arrays[name], arrays[b_name])
    if len(pairs) * 2 != len(arrays):
        raise AdapterMismatch("adapter has factors that are not A/B pairs")
    return pairs


def _delta(a: np.ndarray, b: np.ndarray, meta: Mapping[str, Any]) -> np.ndarray:
    return (float(meta["alpha"]) / int(meta["rank"])) * np.matmul(
        a.astype(np.float32), b.astype(np.float32))


def merge_adapter(backbone, meta: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> int:
    """Adds `(alpha / rank) * A @ B` to each targeted kernel of a backbone WITHOUT LoRA
    enabled, in place (float32 arithmetic, stored in the kernel's dtype). Returns the number
    of kernels changed.

    Raises:
        AdapterMismatch: a layer path the backbone lacks, or shapes that do not fit.
    """
    layers = _layers_by_path(backbone)
    pairs = _factor_pairs(arrays)
    for layer_path, (a, b) in pairs.items():
        layer = layers.get(layer_path)
        if layer is None or not hasattr(layer, "_kernel"):
            raise AdapterMismatch(f"the base has no dense layer at {layer_path}")
        if getattr(layer, "lora_enabled", False):
            raise ValueError(f"{layer_path} has LoRA enabled: merge into a plain base")
        kernel = layer._kernel
        delta = _delta(a, b, meta)
        if delta.shape != tuple(kernel.shape):
            raise AdapterMismatch(f"{layer_path}: A @ B has shape {delta.shape}, the kernel "
                                  f"{tuple(kernel.shape)}")
        merged = np.asarray(kernel, dtype=np.float32) + delta
        kernel.assign(merged)  # keras casts to the kernel's dtype
    return len(pairs)


def load_into_lora(backbone, meta: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> None:
    """Enables LoRA as the adapter was trained (rank, alpha, targets) and loads its factors:
    the unmerged model, for comparing with a merged one."""
    layers = enable_lora(backbone, int(meta["rank"]), float(meta["alpha"]), meta["targets"])
    pairs = _factor_pairs(arrays)
    if set(pairs) != set(layers):
        raise AdapterMismatch(f"adapter layers {sorted(set(pairs) ^ set(layers))[:4]} do not "
                              "match the LoRA layers of this base")
    for layer_path, (a, b) in pairs.items():
        layers[layer_path].lora_kernel_a.assign(a)
        layers[layer_path].lora_kernel_b.assign(b)
