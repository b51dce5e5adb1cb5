"""The private keras-hub/keras API `handlers.keras_hub_compat` relies on is still there, on the
installed classes, as it was in the versions the module was written for."""

import inspect

import jax
import keras
import keras_hub
import numpy as np
import pytest
from keras_hub.models import Gemma3CausalLM, GemmaCausalLM
from keras_hub.samplers import Sampler

from handlers import keras_hub_compat as compat

RECHECK = (f"handlers/keras_hub_compat.py was written for keras-hub "
           f"{compat.WRITTEN_FOR['keras_hub']} / keras {compat.WRITTEN_FOR['keras']} / jax "
           f"{compat.WRITTEN_FOR['jax']}; re-check the "
           f"private APIs it uses (its docstring lists them), then update WRITTEN_FOR")


def _params(function) -> list[str]:
    return [name for name in inspect.signature(function).parameters if name != "self"]


def test_installed_versions_are_the_ones_the_seam_was_written_for():
    """Any other keras-hub, keras or JAX version fails here first, naming what to re-check
    (the seam also relies on keras's SeedGenerator state layout and StatelessScope)."""
    installed = {"keras_hub": keras_hub.__version__, "keras": keras.__version__,
                 "jax": jax.__version__}
    assert installed == compat.WRITTEN_FOR, (
        f"{RECHECK}. Installed: keras-hub {installed['keras_hub']} / keras {installed['keras']} "
        f"/ jax {installed['jax']}.")


@pytest.mark.parametrize("cls,method,expected", [
    (GemmaCausalLM, "_build_cache", ["token_ids"]),
    (Gemma3CausalLM, "_build_cache",
     ["token_ids", "img_embeddings", "vision_mask", "padding_mask", "vision_indices"]),
    (GemmaCausalLM, "call_with_cache", ["token_ids", "cache", "cache_update_index"]),
    (Gemma3CausalLM, "call_with_cache",
     ["token_ids", "cache", "cache_update_index", "img_embeddings", "vision_mask",
      "padding_mask", "vision_indices", "cache_update_mask"]),
    (Sampler, "__call__",
     ["next", "prompt", "cache", "index", "mask", "stop_token_ids", "hidden_states", "model",
      "kwargs"]),
    (Sampler, "run_loop", ["cond", "body", "model", "loop_vars", "maximum_iterations"]),
    (Sampler, "compute_probabilities", ["logits"]),
    (Sampler, "get_next_token", ["probabilities"]),
    (keras.StatelessScope, "__init__", ["state_mapping", "collect_losses", "initialize_variables"]),
])
def test_the_signatures_the_seam_relies_on(cls, method, expected):
    """Each method the seam calls, overrides or inspects takes the parameters it expects."""
    assert hasattr(cls, method), f"{cls.__name__}.{method} is gone. {RECHECK}."
    assert _params(getattr(cls, method)) == expected, (
        f"{cls.__name__}.{method} now takes {_params(getattr(cls, method))}. {RECHECK}.")


def test_sampler_variables_are_the_states_of_its_seed_generators():
    """`Sampler._seed_generators` is the list `variables` reads: adopting an inner sampler's
    generators makes their states the outer sampler's variables, in order."""
    inner = keras_hub.samplers.TopKSampler(k=3, seed=4)
    assert isinstance(inner._seed_generators, list) and inner._seed_generators, RECHECK
    outer = Sampler()
    assert outer._seed_generators == [] and outer.variables == [], RECHECK
    compat.adopt_seed_generators(outer, inner)
    assert outer.variables == [g.state for g in inner._seed_generators], RECHECK
    compat.adopt_seed_generators(Sampler(), None)  # greedy: nothing to adopt


def test_advancing_seed_generators_equals_that_many_draws():
    """A seed state moved on by n equals the state after n draws (`SeedGenerator.next`)."""
    drawn, moved = keras.random.SeedGenerator(7), keras.random.SeedGenerator(7)
    for _ in range(5):
        drawn.next()
    sampler = Sampler()
    sampler.seed_generator = moved  # tracked by Sampler.__setattr__
    compat.advance_seed_generators(sampler, 5)
    np.testing.assert_array_equal(np.asarray(moved.state.value), np.asarray(drawn.state.value),
                                  err_msg=RECHECK)


@pytest.fixture(scope="module")
def tiny_gemma3():
    backbone = keras_hub.models.Gemma3Backbone(
        vocabulary_size=32, image_size=896, num_layers=2, num_query_heads=2,
        num_key_value_heads=1, hidden_dim=8, intermediate_dim=16, head_dim=4,
        use_sliding_window_attention=True, sliding_window_size=4)
    return Gemma3CausalLM(backbone=backbone, preprocessor=None)


def test_gemma3_cache_layout_and_masks(tiny_gemma3):
    """Gemma 3 is trusted with left padding, masks its cache updates, and its `_build_cache`
    returns a cache laid out exactly as `empty_cache` allocates one."""
    model = tiny_gemma3
    assert compat.supports_left_padding(model) and compat.masks_cache_updates(model), RECHECK
    token_ids = np.ones((2, 6), "int32")
    hidden, cache = compat.build_cache(model, token_ids, np.ones((2, 6), bool))
    assert hidden.shape[:2] == (2, 6), RECHECK
    empty = compat.empty_cache(model, 2, 6)
    assert jax.tree.structure(cache) == jax.tree.structure(empty), RECHECK
    assert [(x.shape, x.dtype) for x in jax.tree.leaves(cache)] == \
        [(x.shape, x.dtype) for x in jax.tree.leaves(empty)], RECHECK
    assert not compat.supports_left_padding(object.__new__(GemmaCausalLM))


def test_a_keras_distribution_is_refused():
    """With a keras distribution set, the constrained path refuses to compile, naming
    keras-hub's distribute() step it does not reproduce."""
    compat.refuse_distribution("no distribution")  # none set: passes
    with keras.distribution.DataParallel(devices=jax.devices()[:1]).scope():
        with pytest.raises(ValueError, match="distribute"):
            compat.refuse_distribution("compile_generate")
    compat.refuse_distribution("after the scope")


def test_a_text_only_gemma3_preprocessor_needs_no_tensorflow(monkeypatch):
    """Where TensorFlow is missing, keras-hub's own check refuses to build the preprocessor;
    after `text_only_without_tensorflow` it builds (this project installs no TensorFlow)."""
    from keras_hub.src.models.gemma3 import gemma3_causal_lm_preprocessor as module
    from keras_hub.src.utils import tensor_utils

    monkeypatch.setattr(tensor_utils, "tf", None)
    monkeypatch.setattr(module, "assert_tf_installed", tensor_utils.assert_tf_installed)
    with pytest.raises(ImportError, match="requires `tensorflow`"):
        keras_hub.models.Gemma3CausalLMPreprocessor(tokenizer=None)
    compat.text_only_without_tensorflow()
    assert keras_hub.models.Gemma3CausalLMPreprocessor(tokenizer=None).tokenizer is None
