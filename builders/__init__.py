"""Tools that build model presets for demos, benchmarks and tests; not worker code.

Not installed on workers: setup.py's `packages` leave `builders` out, and the worker image
copies only `pipeline`, `handlers` and `prompts`.

- `builders.synthetic_chats`: deterministic synthetic support chats with their ideal replies.
- `builders.small_gemma`: the small from-scratch Gemma-2-architecture preset
  (`make small-model`, `models/small-gemma`).
"""

# `small_gemma` builds keras models (keras is imported inside its functions): importing
# `handlers` sets the JAX backend first (`handlers.backend`).
import handlers  # noqa: F401
