"""LoRA tuning of a keras-hub Gemma preset on the pipeline's own two tasks.

`python -m tuning` trains LoRA factors (keras-hub `backbone.enable_lora`) on labelled chats,
rendered with the pipeline's prompts (`prompts.render_sentiment_prompt` and
`prompts.render_apology_prompt`) and tokenized as `handlers.engine.CausalLMEngine` does, and
writes a small adapter file (`.npz`). `python -m tuning.apply` merges an adapter into its
base preset and saves a preset that `keras_hub.models.CausalLM.from_preset` loads (without
TensorFlow, through `handlers.keras_hub_compat.load_causal_lm`).

- `tuning.examples`: reading and validating labelled chats, prompts, targets, token ids.
- `tuning.lora`: enabling LoRA, the base fingerprint, saving, loading and merging adapters.
- `tuning.feedback`: reviewers' decisions (the review app's feedback) joined with a run's
  records by chat_id, as labelled chats (`python -m tuning --feedback ... --records ...`).
- `tuning.train`: the jitted train step (logits only at target positions) and the CLI.
- `tuning.apply`: the merge CLI.
"""

# Tuning runs keras on JAX (train.py jits with jax); keras is imported inside functions:
# importing `handlers` sets the JAX backend first (`handlers.backend`).
import handlers  # noqa: F401
