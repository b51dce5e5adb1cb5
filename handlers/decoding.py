"""Automaton-constrained sampling inside a compiled keras-hub generate loop.

keras-hub's `Sampler.get_next_token` only sees probabilities, and `CausalLM.generate` runs an
`ops.while_loop` under `jax.jit` that returns token ids only. Constrained decoding needs a
per-row automaton state carried in the loop, and the service needs per-row outputs
(the probability of each sentiment value). So `ConstrainedSampler` overrides
`Sampler.__call__` with a loop that carries `(state, summary chars used, value probabilities)`
per row next to keras-hub's `(prompt, cache, index)`, and `compile_generate` jits it the way
keras-hub's own `make_generate_function` does (the same stateless variable mapping), with the
automaton tables as arguments, not constants, so one compiled program serves every table of the
same shape.

Greedy, top-k and top-p all work: the mask is applied to the probabilities and the wrapped
keras-hub sampler's `get_next_token` picks from what remains.

What this needs of keras-hub beyond its documented API (the KV cache, the model's masks, the
sampler's seed generators, the stateless jit) goes through `handlers.keras_hub_compat`.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from keras import ops
from keras_hub.samplers import Sampler

from handlers import keras_hub_compat as compat
from handlers.constrained import DEAD, Automaton

__all__ = ["CompiledGenerate", "ConstrainedSampler", "compile_generate", "copy_weights",
           "device_tables"]


def device_tables(automaton: Automaton) -> dict[str, Any]:
    """The automaton's tables as device arrays, ready to pass to the loop. The [states x
    vocab] tables keep their narrow dtypes (they are the big ones); the loop widens what it
    reads."""
    topic_states = automaton.topic_states
    if topic_states is None:
        topic_states = np.zeros(automaton.num_states, dtype=bool)
    return {
        "trans": ops.convert_to_tensor(automaton.trans),
        "body_chars": ops.convert_to_tensor(automaton.body_chars),
        "commit": ops.convert_to_tensor(automaton.commit),
        # [S]: the states inside a topic label (`Automaton.topic_states`).
        "topic_state": ops.convert_to_tensor(topic_states, "bool"),
        "min_finish": ops.convert_to_tensor(automaton.min_finish, "int32"),
        "start": ops.convert_to_tensor(automaton.start, "int32"),
        "done": ops.convert_to_tensor(automaton.done, "int32"),
        # [S]: the state has a token that commits to a sentiment value (a value decision).
        "decides": ops.convert_to_tensor(
            ((automaton.commit > 0) & (automaton.trans >= 0)).any(axis=1), "bool"),
        # Only its shape is read: how many values the grammar has (0 for free text).
        "values": ops.convert_to_tensor(np.asarray(automaton.values, dtype="int32")
                                        .reshape(len(automaton.values)), "int32"),
    }


class ConstrainedSampler(Sampler):
    """Samples only tokens the automaton allows, and that still let the row finish in time.

    A running row always has such a token when the loop is given the automaton's own summary
    budget (`Automaton.max_body_chars`) and at least `min_finish[start]` new tokens: the tables
    let a row into a state only if it can still finish from there. A running row left with
    none anyway ends in DEAD (never reported finished) and pads until the loop ends. A
    finished (DONE) row pads too; once past its own token budget (the loop runs on while
    other rows write) it has no allowed token either, and stays DONE.

    The choice among allowed tokens goes through `get_next_token`, keras-hub's documented
    extension point; `__call__` is overridden to carry the automaton state per row (what that
    relies on is listed in `handlers.keras_hub_compat`).

    Args:
        inner: a keras-hub sampler whose `get_next_token` picks among allowed tokens
            (greedy when None).
        temperature: as in keras-hub samplers.
        no_repeat_ngram: n > 1 forbids a token that would repeat an n-gram the reply already
            holds (the prompt does not count: a summary may quote the chat), unless every
            allowed token would; a small model left greedy otherwise loops on a phrase until
            its budget ends. Only tokens marked in `tables["bannable"]` (the engine marks
            those with a letter) are ever forbidden, so digits, punctuation and spaces repeat
            freely: "100000" or "010-2222-3333" stay writable. 0 turns it off.
    """

    def __init__(self, inner: Sampler | None = None, temperature: float = 1.0,
                 no_repeat_ngram: int = 0):
        super().__init__(temperature=temperature)
        if no_repeat_ngram == 1 or no_repeat_ngram < 0:
            raise ValueError(f"no_repeat_ngram must be 0 or at least 2, not {no_repeat_ngram}")
        self.inner = inner
        self.no_repeat_ngram = no_repeat_ngram
        # Registered on this sampler so keras-hub's stateless loop threads the RNG state.
        compat.adopt_seed_generators(self, inner)

    def get_next_token(self, probabilities):
        if self.inner is None:
            return ops.argmax(probabilities, axis=-1)
        return self.inner.get_next_token(probabilities)

    def __call__(
        self,
        next,
        prompt,
        cache=None,
        index=0,
        mask=None,
        stop_token_ids=None,
        hidden_states=None,
        model=None,
        tables=None,
        max_new_tokens=None,
        max_body_chars=None,
        prompt_end=None,
    ):
        """`prompt_end[b]` is where row b's reply starts: its prompt length when prompts are
        right-padded (steps before it copy the prompt), the common prompt width when they are
        left-padded (every row starts generating at once). Default: the mask's row lengths."""
        trans, body_chars = tables["trans"], tables["body_chars"]
        min_finish, done = tables["min_finish"], tables["done"]
        batch_size, max_length = ops.shape(prompt)
        if prompt_end is None:
            prompt_end = ops.sum(ops.cast(mask, "int32"), axis=-1)
        prompt_end = ops.cast(prompt_end, "int32")
        index = ops.cast(index, "int32")
        state = ops.full((batch_size,), tables["start"], dtype="int32")
        used = ops.zeros((batch_size,), dtype="int32")
        n_values = int(ops.shape(tables["values"])[0]) if "values" in tables else 0
        # Per row: the probability of each sentiment value (summed over the token paths that
        # write it: `_decide_value`), the value a row was steered to write at its next step
        # (1 + index, 0 for none) and whether its value was decided.
        mass = ops.zeros((batch_size, max(n_values, 1)), dtype="float32")
        forced = ops.zeros((batch_size,), dtype="int32")
        decided = ops.zeros((batch_size,), dtype="bool")
        # Per row: the log-probability of the topic label written so far (each token's
        # probability among the tokens allowed at its step, the model's own: no copy bias).
        topic_logp = ops.zeros((batch_size,), dtype="float32")
        # What an ended row emits: the tokens that keep DONE (padding).
        pad_tokens = ops.take(trans, done, axis=0) == done
        # Tables built by hand (tests, benchmarks) may have no topic: no state is in one.
        topic_state = tables.get("topic_state")
        if topic_state is None:
            topic_state = ops.zeros((ops.shape(trans)[0],), dtype="bool")
        copy_weight = copy_weights(tables, batch_size, ops.shape(trans)[1])

        def cond(prompt, cache, index, state, used, mass, forced, decided, topic_logp):
            running = (state != done) & (state != DEAD)
            return ops.logical_and(index < max_length, ops.any(running))

        def body(prompt, cache, index, state, used, mass, forced, decided, topic_logp):
            logits, _, cache = next(prompt, cache, index)
            probabilities = self.compute_probabilities(logits)
            in_prompt = index < prompt_end
            remaining = max_new_tokens - (index - prompt_end)  # steps left, this one included
            # DEAD is never used as an index: a dead row reads DONE's row, and pads.
            dead = state == DEAD
            row = ops.where(dead, done, state)
            nxt = ops.cast(ops.take(trans, row, axis=0), "int32")  # [B, V]
            cost = ops.cast(ops.take(body_chars, row, axis=0), "int32")
            # A topic label is a choice among fixed spellings: no repetition guard, no copy
            # bias there (a label may repeat the summary's words).
            in_topic = ops.take(topic_state, row) & ~in_prompt & ~dead
            finish = ops.take(min_finish, ops.where(nxt >= 0, nxt, done))  # DEAD: masked next
            allowed = (
                (nxt >= 0)
                & (cost <= (max_body_chars - used)[:, None])
                & (finish <= (remaining - 1)[:, None])
            )
            if self.no_repeat_ngram:
                banned = repeats_ngram(prompt, index, prompt_end, self.no_repeat_ngram,
                                       ops.shape(trans)[1])
                fresh = allowed & ~(banned & tables["bannable"][None, :]
                                    & ~in_topic[:, None])
                allowed = ops.where(ops.any(fresh, axis=-1, keepdims=True), fresh, allowed)
            if n_values:
                allowed, mass, forced, decided = self._decide_value(
                    next, prompt, cache, index, tables, n_values, probabilities, allowed, nxt,
                    row, remaining, ~in_prompt & ~dead, mass, forced, decided)
            # No allowed token: a running row dies (DEAD, never reported finished); a DONE
            # row (past its own token budget) stays DONE. Both pad, as dead rows do. A row
            # still copying its prompt keeps its state and takes the prompt's token anyway.
            stuck = dead | ~ops.any(allowed, axis=-1)
            allowed = ops.where(stuck[:, None], pad_tokens[None, :], allowed)
            # The copy bias weighs the choice only: the sentiment values' probabilities
            # (`mass`, above) are the model's own. In the reply grammar it applies only once
            # a row's value is decided: the literal before it (`{"sentiment":`) has several
            # spellings (`sent`+`im`... or `s`+`e`...), and a biased spelling is another
            # context for the value.
            weight = copy_weight
            if copy_weight is not None and n_values:
                weight = ops.where((decided & ~in_topic)[:, None], copy_weight, 1.0)
            chosen_from = probabilities if weight is None else probabilities * weight
            masked = ops.where(allowed, chosen_from, 0.0)
            total = ops.sum(masked, axis=-1, keepdims=True)
            # Allowed tokens the model gives no probability at all: uniform over allowed.
            masked = ops.where(total > 0, masked / ops.maximum(total, 1e-30),
                               ops.cast(allowed, "float32"))
            token = ops.cast(self.get_next_token(masked), "int32")
            token = ops.where(in_prompt, ops.cast(prompt[:, index], "int32"), token)
            token_2d = token[:, None]
            own = ops.where(allowed, probabilities, 0.0)
            p_token = ops.squeeze(ops.take_along_axis(own, token_2d, axis=1), 1) / ops.maximum(
                ops.sum(own, axis=-1), 1e-30)
            topic_logp = topic_logp + ops.where(in_topic & ~stuck,
                                                ops.log(ops.maximum(p_token, 1e-30)), 0.0)
            new_state = ops.squeeze(ops.take_along_axis(nxt, token_2d, axis=1), 1)
            new_state = ops.where(state == done, done, ops.where(stuck, DEAD, new_state))
            spent = ops.squeeze(ops.take_along_axis(cost, token_2d, axis=1), 1)
            spent = ops.where(stuck, 0, spent)
            state = ops.where(in_prompt, state, new_state)
            used = ops.where(in_prompt, used, used + spent)
            prompt = ops.slice_update(prompt, [0, index], ops.cast(token_2d, prompt.dtype))
            return prompt, cache, index + 1, state, used, mass, forced, decided, topic_logp

        prompt, _, _, state, used, mass, _, _, topic_logp = self.run_loop(
            cond,
            body,
            loop_vars=(prompt, cache, index, state, used, mass, forced, decided, topic_logp),
            maximum_iterations=(max_length - index),
            model=model,
        )
        return {"token_ids": prompt, "state": state, "used": used,
                "value_mass": mass[:, :n_values], "topic_logp": topic_logp}

    def _decide_value(self, next, prompt, cache, index, tables, n_values, probabilities,
                      allowed, nxt, row, remaining, writing, mass, forced, decided):
        """Chooses a row's sentiment value by its probability over the token paths that write
        it, and steers the row to write that value.

        At the first step where a row can commit to a value (a state that `decides`), a value
        can be written by a token that commits to it now (`▁-` for -1 with Gemma 3's
        tokenizer) or by a token that commits to nothing but leads to a state that decides
        (a bare `▁`, after which `0` or `1` commits). So the value's probability is the mass of
        its committing tokens now plus, through the likeliest such bridge token, the bridge's
        probability times the mass of the value's committing tokens one step later; that step
        is one extra forward pass (`next` on the bridge token), run only when some row needs it.
        Paths through other bridge tokens (rarely more than whitespace variants) are left
        out, so `mass` is the probability of the paths explored. The row then writes the most
        probable value (argmax, whatever the sampler: the value is a decision, the summary is
        sampled): this step's token is restricted to tokens committing to it, or to the bridge
        with the value forced at the next step. Greedy on the first token alone would choose
        -1 whenever `▁-` outweighs `▁`, even when `▁` leads mostly to 0.

        Returns (allowed, mass, forced, decided), updated.
        """
        commit_table, trans, min_finish = tables["commit"], tables["trans"], tables["min_finish"]
        decides, done = tables["decides"], tables["done"]
        commits = ops.cast(ops.take(commit_table, row, axis=0), "int32")  # [B, V]
        # A value steered at the previous step (through a bridge) is written now.
        steer = writing & (forced > 0)
        narrowed = allowed & (commits == forced[:, None])
        allowed = ops.where((steer & ops.any(narrowed, axis=-1))[:, None], narrowed, allowed)
        forced = ops.where(steer, 0, forced)

        deciding = writing & ~decided & ops.take(decides, row)
        def values_mass(probs, ok, table):
            return ops.stack([ops.sum(ops.where(ok & (table == k + 1), probs, 0.0), axis=-1)
                              for k in range(n_values)], axis=-1)

        direct = values_mass(probabilities, allowed, commits)  # [B, n_values]
        safe_next = ops.where(nxt >= 0, nxt, done)
        bridge = allowed & (commits == 0) & ops.take(decides, safe_next)
        look = deciding & ops.any(bridge, axis=-1)
        u = ops.cast(ops.argmax(ops.where(bridge, probabilities, -1.0), axis=-1), "int32")
        p_u = ops.squeeze(ops.take_along_axis(probabilities, u[:, None], axis=1), 1)

        def ahead():
            ids = ops.where(look, u, ops.cast(prompt[:, index], "int32"))
            probe = ops.slice_update(prompt, [0, index], ops.cast(ids[:, None], prompt.dtype))
            logits, _, _ = next(probe, cache, index + 1)
            return self.compute_probabilities(logits)

        later = ops.cond(ops.any(look), ahead, lambda: ops.zeros_like(probabilities))
        row2 = ops.where(look, ops.squeeze(ops.take_along_axis(safe_next, u[:, None], axis=1),
                                           1), done)
        nxt2 = ops.cast(ops.take(trans, row2, axis=0), "int32")
        finish2 = ops.take(min_finish, ops.where(nxt2 >= 0, nxt2, done))
        ok2 = (nxt2 >= 0) & (finish2 <= (remaining - 2)[:, None])
        via = values_mass(later, ok2, ops.cast(ops.take(commit_table, row2, axis=0), "int32")
                          ) * p_u[:, None]
        via = ops.where(look[:, None], via, 0.0)
        total = direct + via
        best = ops.cast(ops.argmax(total, axis=-1), "int32")
        choose = deciding & (ops.sum(total, axis=-1) > 0)
        by_bridge = choose & (ops.squeeze(ops.take_along_axis(via, best[:, None], axis=1), 1)
                              > ops.squeeze(ops.take_along_axis(direct, best[:, None], axis=1),
                                            1))
        now = allowed & (commits == (best + 1)[:, None])
        only_u = allowed & (ops.arange(ops.shape(allowed)[1], dtype="int32")[None, :]
                            == u[:, None])
        allowed = ops.where((choose & ~by_bridge)[:, None], now,
                            ops.where(by_bridge[:, None], only_u, allowed))
        forced = ops.where(by_bridge, best + 1, forced)
        mass = ops.where(choose[:, None], total, mass)
        decided = decided | deciding
        return allowed, mass, forced, decided


def copy_weights(tables, batch_size, vocabulary_size):
    """[B, V] factors on the next token's probability, or None when `tables` has no
    `copy_ids`: `exp(copy_bias)` for the tokens in row b's `copy_ids[b]` (its chat's content
    tokens; -1 pads), 1 elsewhere. With `copy_bias` 0 every factor is exactly 1."""
    if "copy_ids" not in tables:
        return None
    copy_ids = ops.cast(tables["copy_ids"], "int32")
    width = ops.shape(copy_ids)[1]
    rows = ops.repeat(ops.arange(batch_size, dtype="int32")[:, None], width, axis=1)
    valid = copy_ids >= 0
    indices = ops.stack([ops.reshape(rows, (-1,)),
                         ops.reshape(ops.where(valid, copy_ids, 0), (-1,))], axis=1)
    hits = ops.scatter(indices, ops.reshape(ops.cast(valid, "float32"), (-1,)),
                       (batch_size, vocabulary_size))
    boost = ops.exp(ops.cast(tables["copy_bias"], "float32"))
    return ops.where(hits > 0, boost, ops.ones_like(hits))


def repeats_ngram(token_ids, index, reply_start, n: int, vocabulary_size):
    """[B, V] bool: the tokens that, written at `index`, would repeat an n-gram of the reply
    so far (positions `reply_start[b]` to `index - 1` of row b)."""
    batch_size, length = ops.shape(token_ids)
    if n > length:  # no n-gram fits: nothing can repeat
        return ops.zeros((batch_size, vocabulary_size), dtype="bool")
    starts = ops.arange(length - n + 1, dtype="int32")[None, :]  # window j: tokens j..j+n-1
    match = (starts >= reply_start[:, None]) & (starts + n - 1 < index)
    match = match & (index - (n - 1) >= reply_start)[:, None]  # the reply holds n-1 tokens
    for k in range(n - 1):  # window's first n-1 tokens equal the reply's last n-1
        last = ops.take(token_ids, index - (n - 1) + k, axis=1)
        match = match & (token_ids[:, k:k + length - n + 1] == last[:, None])
    following = token_ids[:, n - 1:]
    rows = ops.broadcast_to(ops.arange(batch_size, dtype="int32")[:, None], ops.shape(following))
    indices = ops.stack([ops.reshape(rows, [-1]),
                         ops.reshape(ops.cast(following, "int32"), [-1])], axis=-1)
    counts = ops.scatter(indices, ops.reshape(ops.cast(match, "int32"), [-1]),
                         (batch_size, vocabulary_size))
    return counts > 0


# Prompt positions seeded per prefill step. The prefill loops over chunks, so its cost follows
# the batch's longest prompt, not the padded width (one program serves every prompt length).
PREFILL_CHUNK = 64


def _prefill(model, token_ids, padding_mask, prompt_width, cache):
    """Seeds the cache with the left-padded prompts in `[0, prompt_width)`, in chunks of
    `PREFILL_CHUNK` positions aligned to the prompts' common end, skipping chunks that hold
    only padding. The first chunk may overlap the second (it is clamped at 0): rewriting a
    position's key and value from the same tokens and cache is idempotent."""
    batch_size = ops.shape(token_ids)[0]
    chunk = min(PREFILL_CHUNK, prompt_width)
    longest = ops.max(ops.sum(ops.cast(padding_mask[:, :prompt_width], "int32"), axis=-1))
    chunks = (longest + chunk - 1) // chunk

    def cond(k, cache):
        return k > 0

    def body(k, cache):
        start = ops.maximum(prompt_width - k * chunk, 0)
        tokens = ops.slice(token_ids, [0, start], [batch_size, chunk])
        _, _, cache = compat.call_with_cache(model, tokens, cache, start,
                                             padding_mask=padding_mask)
        return k - 1, cache

    _, cache = ops.while_loop(cond, body, (chunks, cache))
    return cache


def _left_padded_step(model, sampler, token_ids, padding_mask, prompt_width, tables,
                      max_new_tokens, max_body_chars):
    """Generation for left-padded prompts: every row's prompt ends at `prompt_width`.

    The prefill covers the longest prompt's positions only, in chunks (`_prefill`; the unused
    logits are dead code under `jit`), and every row starts generating at the same step, so
    no decode step is spent copying the rest of a longer prompt. Pad positions are masked
    out of every attention (the key padding mask), and RoPE sees only relative positions, so
    a row's reply does not depend on how much padding precedes it.
    """
    batch_size, max_length = ops.shape(token_ids)
    cache = _prefill(model, token_ids, padding_mask, prompt_width,
                     compat.empty_cache(model, batch_size, max_length))

    def next(prompt, cache, index):
        cache_update_index = index - 1
        token = ops.slice(prompt, [0, cache_update_index], [batch_size, 1])
        logits, hidden_states, cache = compat.call_with_cache(
            model, token, cache, cache_update_index, padding_mask=padding_mask)
        return ops.squeeze(logits, axis=1), ops.squeeze(hidden_states, axis=1), cache

    prompt_end = ops.full((batch_size,), prompt_width, dtype="int32")
    return sampler(next=next, prompt=token_ids, cache=cache, index=prompt_width,
                   mask=padding_mask, model=model, tables=tables,
                   max_new_tokens=max_new_tokens, max_body_chars=max_body_chars,
                   prompt_end=prompt_end)


def _generate_step(model, sampler: ConstrainedSampler, token_ids, padding_mask, tables,
                   max_new_tokens, max_body_chars, prompt_width=None):
    """keras-hub's `generate_step` (build the cache, then the sampler's loop), returning the
    sampler's per-row outputs too. With `prompt_width`, prompts are left-padded to it
    (`_left_padded_step`); without, right-padded as keras-hub pads them."""
    if prompt_width is not None:
        return _left_padded_step(model, sampler, token_ids, padding_mask, prompt_width,
                                 tables, max_new_tokens, max_body_chars)
    _, cache = compat.build_cache(model, token_ids, padding_mask)
    row_lengths = ops.sum(ops.cast(padding_mask, "int32"), axis=-1)
    index = ops.min(row_lengths)
    # Gemma 3 skips rewriting cache entries of prompt positions (already seeded).
    masked_updates = compat.masks_cache_updates(model)

    def next(prompt, cache, index):
        cache_update_index = index - 1
        batch_size = ops.shape(prompt)[0]
        prompt = ops.slice(prompt, [0, cache_update_index], [batch_size, 1])
        kwargs = {}
        if masked_updates:
            kwargs["cache_update_mask"] = ops.slice(
                ops.logical_not(ops.cast(padding_mask, "bool")), [0, cache_update_index],
                [batch_size, 1])
        logits, hidden_states, cache = compat.call_with_cache(
            model, prompt, cache, cache_update_index, **kwargs)
        return ops.squeeze(logits, axis=1), ops.squeeze(hidden_states, axis=1), cache

    return sampler(next=next, prompt=token_ids, cache=cache, index=index, mask=padding_mask,
                   model=model, tables=tables, max_new_tokens=max_new_tokens,
                   max_body_chars=max_body_chars)


# Seed-generator draws reserved per call (the loop draws once per generated token): more
# than any max_length.
_RNG_STRIDE = 1 << 20


class CompiledGenerate:
    """The constrained generate step, jitted like keras-hub's JAX `make_generate_function`
    (model and sampler variables passed as explicit state under a `StatelessScope`:
    `keras_hub_compat.stateless_jit`), and compiled AHEAD of time once per shape. A keras
    distribution is refused (`keras_hub_compat.refuse_distribution`): the inputs are not
    sharded the way keras-hub's `generate` shards them.

    `program(...)` returns the executable for a batch's shapes (batch size, max_length,
    automaton size), compiling it first if it is new; `run(program, ...)` executes it. The
    split lets the caller put a deadline on execution only: compiling a new shape is start-up
    work, not a hung call. The automaton tables are arguments, not constants, so one program
    serves every table of the same shape. Thread-safe: compilation is serialised, executions
    may overlap (a call abandoned at its deadline keeps running beside later ones).
    """

    def __init__(self, model, sampler: ConstrainedSampler, left_padded: bool | None = None):
        compat.refuse_distribution("compile_generate")
        self._model = model
        self._sampler = sampler
        self._programs: dict[tuple, Any] = {}
        self._compile_lock = threading.Lock()
        self._state_lock = threading.Lock()
        # Left padding when the model masks pad keys itself (Gemma 3): see `_left_padded_step`.
        supported = compat.supports_left_padding(model)
        if left_padded and not supported:
            raise ValueError(f"{type(model).__name__} cannot decode left-padded prompts here")
        self.left_padded = supported if left_padded is None else left_padded

        def step(token_ids, padding_mask, tables, max_new_tokens, max_body_chars,
                 prompt_width=None):
            return _generate_step(model, sampler, token_ids, padding_mask, tables,
                                  max_new_tokens, max_body_chars, prompt_width)

        # Called as `self._step(state, *args, prompt_width=...)`, state first.
        self._step = compat.stateless_jit(model, sampler, step, static_argnames=("prompt_width",))

    @property
    def programs(self) -> int:
        """How many programs were compiled (one per distinct shape)."""
        return len(self._programs)

    def _state(self):
        return compat.variable_state(self._model, self._sampler)

    @staticmethod
    def _args(token_ids, padding_mask, tables, max_new_tokens, max_body_chars):
        return (token_ids, padding_mask, tables,
                ops.convert_to_tensor(max_new_tokens, "int32"),
                ops.convert_to_tensor(max_body_chars, "int32"))

    def program(self, token_ids, padding_mask, tables, max_new_tokens, max_body_chars,
                prompt_width=None):
        """(executable, compiled_now) for these shapes. `prompt_width` (left-padded models
        only) is where every row's prompt ends."""
        # Every table's name, shape and dtype: an executable takes exactly the pytree it was
        # lowered for (int16 and int32 tables, with or without a topic state, differ).
        key = (tuple(token_ids.shape), prompt_width,
               tuple(sorted((name, tuple(table.shape), str(table.dtype))
                            for name, table in tables.items())))
        with self._compile_lock:
            if key in self._programs:
                return self._programs[key], False
            compat.refuse_distribution("compiling a generate program")
            args = self._args(token_ids, padding_mask, tables, max_new_tokens, max_body_chars)
            executable = self._step.lower(self._state(), *args,
                                          prompt_width=prompt_width).compile()
            self._programs[key] = executable
            return executable, True

    def run(self, executable, token_ids, padding_mask, tables, max_new_tokens, max_body_chars):
        """Executes a program; returns the sampler's outputs as numpy arrays.

        Each call draws its own random stream: the sampler's seed state is read and moved on
        by `_RNG_STRIDE` steps in one locked step, so overlapping calls (one abandoned at its
        deadline, the next already running) never reuse randomness, and the results do not
        depend on when an earlier call ends. Greedy decoding has no state at all.
        """
        import numpy as np

        with self._state_lock:
            state = self._state()
            compat.advance_seed_generators(self._sampler, _RNG_STRIDE)
        outputs = executable(
            state, *self._args(token_ids, padding_mask, tables, max_new_tokens, max_body_chars))
        return {k: np.asarray(v) for k, v in outputs.items()}


def compile_generate(model, sampler: ConstrainedSampler,
                     left_padded: bool | None = None) -> CompiledGenerate:
    """The ahead-of-time compiled generate step for `model` with `sampler`; left-padded
    when the model supports it, unless `left_padded` says otherwise."""
    return CompiledGenerate(model, sampler, left_padded)
