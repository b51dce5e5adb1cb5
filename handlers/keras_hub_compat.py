"""Every use the model-serving code (`handlers/`) makes of keras-hub's (and keras's, and JAX's)
private or undocumented API, behind small named functions. (The LoRA tuning tool, `tuning/`,
which never runs on workers, reads Keras's `Dense._kernel` itself: see `tuning/lora.py`.)

The constrained decoder (`handlers.decoding`) runs its own generate loop inside a keras-hub
`CausalLM`, so it has to know things keras-hub does not publish. They are all here, and
`tests/unit/test_keras_hub_compat.py` checks each one on the installed classes and fails loudly
when keras-hub, keras or JAX is not the version in `WRITTEN_FOR`.

Private names relied on:

* `CausalLM._build_cache`: seeds the KV cache from the prompt and returns
  `(hidden_states, cache)`. `GemmaCausalLM` (Gemma, Gemma 2) takes `(token_ids)`;
  `Gemma3CausalLM` takes `(token_ids, img_embeddings, vision_mask, padding_mask,
  vision_indices)`. Told apart by its signature (`build_cache`).
* `Sampler._seed_generators`: the list of `keras.random.SeedGenerator`s whose states
  `Sampler.variables` returns (`adopt_seed_generators`).

Undocumented layout of keras's own:

* `keras.random.SeedGenerator.state`: a `[seed, counter]` pair, and each draw
  (`SeedGenerator.next`) adds `[0, 1]` to it (`advance_seed_generators`).

Public names whose relied-on behaviour keras-hub does not document:

* `Gemma3CausalLM.call_with_cache`'s `padding_mask` (a mask over the cache's key positions,
  merged into every attention mask) and `cache_update_mask` (positions whose cache entries
  are left as they are) parameters (`supports_left_padding`, `masks_cache_updates`).
* Gemma 3's cache layout: a tuple of per-layer `(key, value)` pairs, each
  `[batch, max_length, num_key_value_heads, head_dim]` in the model's compute dtype, as its
  `_build_cache` allocates it (`empty_cache`).
* `Sampler.__call__(next, prompt, cache, index, mask, stop_token_ids, hidden_states, model)`
  and `Sampler.run_loop(cond, body, model, loop_vars, maximum_iterations)`, which runs the loop
  with the sampler's and model's variables under a `keras.StatelessScope`
  (`decoding.ConstrainedSampler` overrides the first and calls the second).
* How `CausalLM.make_generate_function` jits `generate_step` on JAX: the sampler's and model's
  variables passed as explicit state and mapped onto them under a `keras.StatelessScope`
  (`stateless_jit`, `variable_state`).

A check skipped where TensorFlow is absent:

* `Gemma3CausalLMPreprocessor.__init__` calls `assert_tf_installed` (its module's own import of
  `keras_hub.src.utils.tensor_utils.assert_tf_installed`), for its image and tf.data paths.
  This project uses only its tokenizer, whose SentencePiece runs on the `sentencepiece`
  package when TensorFlow is missing (`SentencePieceTokenizer._set_proto_spm`); so where
  TensorFlow is not installed that name is replaced with a no-op (`load_causal_lm`,
  `text_only_without_tensorflow`). Where it is installed, nothing changes.

JAX itself is used through its public API only (`jax.jit` with `static_argnames`, and
`.lower(...).compile()` for ahead-of-time executables); it is pinned with keras-hub because the
stateless scheme above runs on keras's JAX backend.
"""

from __future__ import annotations

import functools
import inspect
import itertools
from collections.abc import Callable, Sequence

import keras
from keras import ops

__all__ = [
    "WRITTEN_FOR",
    "adopt_seed_generators",
    "advance_seed_generators",
    "build_cache",
    "call_with_cache",
    "empty_cache",
    "load_causal_lm",
    "masks_cache_updates",
    "refuse_distribution",
    "stateless_jit",
    "supports_left_padding",
    "text_only_without_tensorflow",
    "variable_state",
]

# The versions whose private API this module was written against (and tested on).
WRITTEN_FOR = {"keras_hub": "0.32.0", "keras": "3.15.1", "jax": "0.10.2"}


def _no_tensorflow_needed(symbol_name: str) -> None:
    """Stands in for keras-hub's `assert_tf_installed` in a text-only Gemma 3 preprocessor."""


def text_only_without_tensorflow() -> None:
    """Lets a text-only `Gemma3CausalLMPreprocessor` be built where TensorFlow is not
    installed (see the module docstring); a no-op where it is."""
    from keras_hub.src.models.gemma3 import gemma3_causal_lm_preprocessor
    from keras_hub.src.utils import tensor_utils

    if tensor_utils.tf is None:
        gemma3_causal_lm_preprocessor.assert_tf_installed = _no_tensorflow_needed


def load_causal_lm(preset: str):
    """`keras_hub.models.CausalLM.from_preset(preset)`, with or without TensorFlow."""
    import keras_hub

    text_only_without_tensorflow()
    return keras_hub.models.CausalLM.from_preset(preset)


def supports_left_padding(model) -> bool:
    """Whether the model can decode LEFT-padded prompts: keras-hub's Gemma 3 text model, whose
    `call_with_cache` takes a `padding_mask` over the cache's key positions (its decoder merges
    it into every attention mask, at prefill and at each decode step) and whose cache is a tuple
    of per-layer (key, value) pairs (`empty_cache`). Other models with such a signature keep
    their caches otherwise (Gemma 4 stacks them) or fold padding into a recurrent state (RWKV),
    so only this class is trusted."""
    from keras_hub.models import Gemma3CausalLM

    return (type(model) is Gemma3CausalLM
            and "padding_mask" in inspect.signature(model.call_with_cache).parameters)


def masks_cache_updates(model) -> bool:
    """Whether `call_with_cache` takes a `cache_update_mask` (Gemma 3): positions where it is
    True keep their cache entries, so decode steps over the prompt do not rewrite them."""
    return "cache_update_mask" in inspect.signature(model.call_with_cache).parameters


def call_with_cache(model, token_ids, cache, cache_update_index, **masks):
    """`model.call_with_cache(token_ids, cache, cache_update_index, **masks)`: (logits,
    hidden_states, cache). `masks` may hold `padding_mask` (only where `supports_left_padding`)
    and `cache_update_mask` (only where `masks_cache_updates`)."""
    return model.call_with_cache(token_ids, cache, cache_update_index, **masks)


def build_cache(model, token_ids, padding_mask):
    """(hidden_states, cache) seeded from the prompt by keras-hub's private `_build_cache`.
    Gemma/Gemma 2 take only token ids; Gemma 3's text path also takes (absent) image inputs
    and the padding mask."""
    params = inspect.signature(model._build_cache).parameters
    if len(params) == 1:
        return model._build_cache(token_ids)
    extra = {"img_embeddings": None, "vision_mask": None, "padding_mask": padding_mask,
             "vision_indices": None}
    return model._build_cache(token_ids, **{k: v for k, v in extra.items() if k in params})


def empty_cache(model, batch_size, max_length):
    """Zeroed per-layer (key, value) caches, as keras-hub's Gemma 3 `_build_cache` allocates
    them (only for models where `supports_left_padding`)."""
    backbone = model.backbone
    shape = [batch_size, max_length, backbone.num_key_value_heads, backbone.head_dim]
    return tuple((ops.zeros(shape, dtype=model.compute_dtype),
                  ops.zeros(shape, dtype=model.compute_dtype))
                 for _ in range(backbone.num_layers))


def adopt_seed_generators(sampler, inner) -> None:
    """Registers `inner`'s seed generators on `sampler` (appended to its private
    `_seed_generators`, in order), so `sampler.variables` holds their states and keras-hub's
    stateless loop threads the RNG state for a sampler that delegates to `inner`. A None
    `inner` (greedy) has none."""
    for seed_generator in getattr(inner, "_seed_generators", []):
        sampler._seed_generators.append(seed_generator)


def advance_seed_generators(sampler, draws: int) -> None:
    """Moves every seed generator of `sampler` on by `draws` draws, as `draws` calls of
    `SeedGenerator.next` would: its state is `[seed, counter]` and a draw adds `[0, 1]`."""
    for variable in sampler.variables:
        variable.assign(ops.add(variable.value, ops.convert_to_tensor(
            [0, draws], variable.dtype)))


def variable_state(model, sampler) -> tuple[list, list, list]:
    """The explicit state a `stateless_jit` function takes: the current values of the sampler's
    variables (its seed states), the model's trainable and its non-trainable variables. `.value`
    keeps each variable's sharding, as keras-hub's own generate function does."""
    return (
        [v.value for v in sampler.variables],
        [v.value for v in model.trainable_variables],
        [v.value for v in model.non_trainable_variables],
    )


def stateless_jit(model, sampler, fn: Callable, static_argnames: Sequence[str] = ()):
    """`fn` jitted the way keras-hub's JAX `CausalLM.make_generate_function` jits
    `generate_step`: the returned function takes `variable_state(model, sampler)` as its first
    argument and calls `fn(*args, **kwargs)` with those values mapped onto the variables under
    a `keras.StatelessScope`, so the program is a pure function of them.

    Unlike keras-hub's, it does not return the sampler variables' new values: the caller
    moves the seed state on itself (`decoding.CompiledGenerate.run`). Nor does it lay out its
    inputs for a keras distribution: see `refuse_distribution`.
    """
    import jax

    @functools.partial(jax.jit, static_argnames=tuple(static_argnames))
    def step(state, *args, **kwargs):
        sampler_vars, trainable, non_trainable = state
        mapping = itertools.chain(
            zip(sampler.variables, sampler_vars, strict=True),
            zip(model.trainable_variables, trainable, strict=True),
            zip(model.non_trainable_variables, non_trainable, strict=True),
        )
        with keras.StatelessScope(state_mapping=mapping):
            return fn(*args, **kwargs)

    return step


def refuse_distribution(what: str) -> None:
    """Raises ValueError when a keras distribution is set (`keras.distribution`).

    keras-hub's `CausalLM.generate` runs a `distribute()` step before its generate function:
    with a distribution set, it lays `token_ids` and `padding_mask` out by
    `distribution.get_data_layout` (data parallelism over the distribution's mesh). The
    constrained path does not: its inputs (and the automaton tables) would be placed on one
    device beside sharded weights, and a batch bucket need not divide the mesh. Rather than
    run such a program, or reimplement a layout nothing here has been tested with, it is
    refused; this project runs one model per accelerator, with no distribution set.
    """
    distribution = keras.distribution.distribution()
    if distribution is not None:
        raise ValueError(
            f"{what}: a keras distribution is set ({type(distribution).__name__}); the "
            "constrained generate path does not shard its inputs as keras-hub's "
            "CausalLM.generate does (its distribute() step), so it refuses to run. Unset it "
            "(keras.distribution.set_distribution(None)) or run one model per device.")
