"""The loaded model and its batched generate call.

`CausalLMEngine` owns one keras-hub `CausalLM` loaded with `from_preset` and turns a batch of
prompts into replies with ONE compiled generate call on fixed (bucketed) shapes. It is what
`load_model` returns. Everything the handler needs goes through the single `generate()`
method, which returns picklable frozen dataclasses (`handlers.generation`), so the engine also
works behind Beam's multi-process proxy (`share_model_across_processes`), where only method
calls and their pickled results cross the process boundary.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from keras import ops

from handlers import constrained as constrained_lib
from handlers import decoding, shapes
from handlers import keras_hub_compat as compat
from handlers.calibration import load_calibration, scaled_probabilities
from handlers.deadline import DeadlineRunner
from handlers.errors import ModelUnavailable
from handlers.generation import BatchGeneration, Engine, Generation, Task
from handlers.special_pieces import special_piece_texts
from prompts import Prompt, neutralise
from prompts.templates import CONTROL_STRINGS, TURN_END, TURN_START

__all__ = ["CausalLMEngine"]

_LOGGER = logging.getLogger(__name__)

# Gemma's end-of-turn marker; generation also stops if the model opens a new turn.
# A reply ends where its turn ends, or where a new turn would begin: the prompt format's own
# turn markers (`prompts.templates`), used as stop tokens where the tokenizer has them as
# single pieces (Gemma's <end_of_turn> and <start_of_turn>), beside its end token.
_STOP_PIECES = (TURN_END, TURN_START)

# Distinct chat tokens a row's copy bias covers (a fixed width: one program for every chat),
# and the largest bias taken (exp(8) ~ 3000x: beyond it the chat's words are forced).
COPY_TOKENS = 512
MAX_COPY_BIAS = 8.0

# The two automata an engine builds (once each): the reply grammar and free text.
_REPLY_GRAMMAR, _FREE_TEXT = "reply_grammar", "free_text"


def _enable_compilation_cache(cache_dir: str) -> None:
    import jax

    jax.config.update("jax_compilation_cache_dir", cache_dir)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)


class CausalLMEngine(Engine):
    """A keras-hub causal LM plus the shape discipline that keeps compiled programs few.

    Args:
        preset: anything `keras_hub.models.CausalLM.from_preset` accepts: a local directory,
            `gs://bucket/dir`, `kaggle://owner/model/keras/variant`, or a built-in preset name.
        max_batch_size: largest batch the handler will send; batch buckets derive from it.
        length_buckets: allowed `max_length` values (prompt + new tokens), ascending. The
            largest is the hard cap on prompt + reply tokens.
        compilation_cache_dir: optional persistent JAX compilation cache directory.
        seed: seed for sampling samplers.
        constrained: constrain `Task.SENTIMENT` generations to the reply schema.
        reply_spec: the reply grammar (`pipeline.schemas.reply_constraint_spec()`, so parser
            and constraint share one definition); default `ReplySpec()`.
        no_repeat_ngram: forbid repeating an n-gram of the reply (`ConstrainedSampler`); 0
            turns it off.
        left_padding: decode left-padded prompts with a chunked prefill (`decoding`); None
            (default) does so whenever the model supports it (Gemma 3); False keeps keras-hub's
            right padding (a benchmark baseline).
        banned_words: words free text may not write (`constrained.spells_banned_word`): the
            pipeline bans the words a draft would use to speak about the customer.
        copy_bias: per task, a log-probability bonus for the tokens of the prompt's chat that
            carry a word (three letters or Hangul): each such token's probability is
            multiplied by `exp(bias)` before the choice (`decoding.copy_weights`). It pulls a
            small model's text toward the chat's own words ("a hair in your pasta") and away
            from other chats' facts. Default: none.
    """

    def __init__(
        self,
        preset: str,
        max_batch_size: int = 16,
        length_buckets: Sequence[int] = shapes.DEFAULT_LENGTH_BUCKETS,
        compilation_cache_dir: str | None = None,
        sampler: str = "greedy",
        seed: int | None = None,
        constrained: bool = True,
        reply_spec: constrained_lib.ReplySpec | None = None,
        no_repeat_ngram: int = 0,
        left_padding: bool | None = None,
        banned_words: Sequence[str] = (),
        copy_bias: Mapping[Task | str, float] | None = None,
    ):
        self.copy_bias = {Task(task): float(bias) for task, bias in (copy_bias or {}).items()}
        for task, bias in self.copy_bias.items():
            if not math.isfinite(bias) or not 0 <= bias <= MAX_COPY_BIAS:
                raise ValueError(f"copy_bias for {task} must be within 0..{MAX_COPY_BIAS}, "
                                 f"not {bias}")
        if compilation_cache_dir:
            _enable_compilation_cache(compilation_cache_dir)
        import keras_hub

        self.preset = preset
        self.model = compat.load_causal_lm(preset)
        if self.model.preprocessor is None:
            raise ValueError(f"preset {preset!r} has no preprocessor/tokenizer attached")
        self.tokenizer = self.model.preprocessor.tokenizer
        # The confidence's temperature, fitted for this model (`handlers.calibration`).
        self.calibration = load_calibration(preset)
        # Every special piece of this tokenizer is broken inside chat text before tokenizing,
        # so a chat cannot produce their ids (the prompt's own markers are broken at render).
        self.special_pieces = special_piece_texts(self.tokenizer)
        self.batch_sizes = shapes.batch_buckets(max_batch_size)
        self.length_buckets = tuple(sorted(length_buckets))
        self.stop_token_ids = self._stop_token_ids()
        self.special_token_ids = set(getattr(self.tokenizer, "special_token_ids", []))
        self.special_token_ids.update(self.stop_token_ids)
        self.constrained = constrained
        self.reply_spec = reply_spec or constrained_lib.ReplySpec()
        if not isinstance(self.reply_spec, constrained_lib.ReplySpec):
            raise TypeError(f"reply_spec must be a handlers.constrained.ReplySpec, not "
                            f"{type(self.reply_spec).__name__}")
        inner = None if sampler == "greedy" else keras_hub.samplers.get(
            {"class_name": sampler, "config": {"seed": seed}})
        # One sampler and one compiled function serve every pass (sentiment, retries,
        # apologies): switching samplers would discard keras-hub's compiled program.
        self.sampler = decoding.ConstrainedSampler(inner, no_repeat_ngram=no_repeat_ngram)
        self._generate_fn = decoding.compile_generate(self.model, self.sampler, left_padding)
        self._vocab = constrained_lib.vocabulary_of(self.tokenizer, self.stop_token_ids)
        # Tokens the repetition guard may forbid: text with a letter (not digits, punctuation,
        # spaces or bytes, which a reply legitimately repeats: amounts, phone numbers).
        self.banned_words = tuple(banned_words)
        self._bannable = np.array([entry.kind == constrained_lib.TokenKind.TEXT
                                   and any(c.isalpha() for c in entry.text)
                                   for entry in self._vocab], dtype=bool)
        self._copyable = np.array([entry.kind == constrained_lib.TokenKind.TEXT and (
            sum(c.isascii() and c.isalpha() for c in entry.text) >= 3
            or any("\uac00" <= c <= "\ud7a3" for c in entry.text))
            for entry in self._vocab], dtype=bool)
        self._tables: dict[Any, tuple[constrained_lib.Automaton, dict]] = {}
        self.deadlines = DeadlineRunner()

    def _stop_token_ids(self) -> tuple[int, ...]:
        ids = [self.tokenizer.end_token_id]
        for piece in _STOP_PIECES:
            try:
                token_id = self.tokenizer.token_to_id(piece)
            except (KeyError, ValueError):
                continue
            # SentencePiece maps unknown pieces to <unk>; keep only real pieces.
            if token_id is not None and self.tokenizer.id_to_token(int(token_id)) == piece:
                ids.append(int(token_id))
        return tuple(dict.fromkeys(ids))

    @property
    def compiles(self) -> int:
        """Programs compiled for this engine's generate step: one per padded shape (batch
        size, max_length, automaton size) and, for left-padded models, prompt width (so per
        distinct `max_new_tokens` too)."""
        return self._generate_fn.programs

    def _token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        bos = [self.tokenizer.start_token_id]
        return [bos + list(map(int, ids)) for ids in self.tokenizer(list(texts))]

    def _encode(self, prompts: Sequence[Prompt | str], budget: int):
        """Token ids per prompt (with BOS). A prompt over `budget` tokens loses the START of
        its chat (never the instructions) until it fits: `shapes.keep_end_within`."""
        # Plain strings are whole prompts with their own markers (bench, tests): left alone.
        parts = [p._replace(chat=neutralise(p.chat, self.special_pieces))
                 if isinstance(p, Prompt) else Prompt("", p, "") for p in prompts]
        token_lists = self._token_ids([p.text for p in parts])
        truncated = [False] * len(parts)
        for i, ids in enumerate(token_lists):
            if len(ids) > budget:
                token_lists[i] = shapes.keep_end_within(
                    parts[i], budget, lambda text: self._token_ids([text])[0])
                truncated[i] = True
        return token_lists, truncated

    def _copy_tables(self, prompts: Sequence[Prompt | str], batch_size: int,
                     task: Task) -> dict[str, Any]:
        """The loop's `copy_ids` ([batch, COPY_TOKENS], -1 padded: each row's distinct chat
        tokens that carry a word, in order of first use) and `copy_bias` for `task`. Always
        the same shapes, so copying or not compiles no other program."""
        bias = self.copy_bias.get(task, 0.0)
        copy_ids = np.full((batch_size, COPY_TOKENS), -1, dtype="int32")
        if bias > 0:
            chats = [neutralise(p.chat, self.special_pieces) if isinstance(p, Prompt) else ""
                     for p in prompts]
            for row, ids in enumerate(self.tokenizer(chats) if any(chats) else []):
                words = [int(t) for t in dict.fromkeys(map(int, ids)) if self._copyable[int(t)]]
                copy_ids[row, :len(words[:COPY_TOKENS])] = words[:COPY_TOKENS]
        return {"copy_ids": ops.convert_to_tensor(copy_ids),
                "copy_bias": ops.convert_to_tensor(bias, "float32")}

    def _until_stop(self, ids: list[int]) -> list[int]:
        """The reply's tokens up to and including the first stop token."""
        for i, token_id in enumerate(ids):
            if token_id in self.stop_token_ids:
                return ids[: i + 1]
        return ids

    def _decode_batch(self, replies: list[list[int]]) -> list[str]:
        """Texts of every reply with ONE detokenize call; special and stop tokens dropped,
        template markers spelled out piece by piece removed."""
        kept = [[t for t in ids if t not in self.special_token_ids] for ids in replies]
        nonempty = [ids for ids in kept if ids]
        decoded = iter(self.tokenizer.detokenize(nonempty) if nonempty else [])
        texts = []
        for ids in kept:
            text = str(next(decoded)) if ids else ""
            for marker in CONTROL_STRINGS:
                text = text.replace(marker, "")
            texts.append(text)
        return texts

    def _topic_paths(self, spec: constrained_lib.ReplySpec) -> list[list[int]] | None:
        """Each topic label's token ids as the reply writes it (`label"}` after
        `"<topic_key>": "`, cut from the tokenization in context so the spelling is the one
        the model was tuned on), or None when the reply has no topic."""
        if not spec.topics:
            return None
        lead = f'"{spec.topic_key}": "'
        before = [int(t) for t in self.tokenizer([lead])[0]]
        paths = []
        texts = [lead + label + '"}' for label in spec.topics]
        for label, ids in zip(spec.topics, self.tokenizer(texts), strict=True):
            ids = [int(t) for t in ids]
            if ids[:len(before)] == before:
                paths.append(ids[len(before):])
            else:  # the lead fused with the label: the label's own spelling
                paths.append([int(t) for t in self.tokenizer([label + '"}'])[0]])
        return paths

    def automaton(self, task: Task,
                  reply_spec: constrained_lib.ReplySpec | None = None) -> constrained_lib.Automaton:
        """The automaton `task`'s replies are decoded with (`reply_spec`: default the
        engine's)."""
        return self._automaton_and_tables(task, reply_spec)[0]

    def _automaton_and_tables(self, task: Task, reply_spec=None):
        task = Task(task)  # a bare string that names no task fails here, loudly
        spec = reply_spec or self.reply_spec
        if not isinstance(spec, constrained_lib.ReplySpec):
            raise TypeError(f"reply_spec must be a handlers.constrained.ReplySpec, not "
                            f"{type(spec).__name__}")
        # One reply grammar per spec (arms sharing this model may ask for different ones).
        key = (_REPLY_GRAMMAR, spec) if task is Task.SENTIMENT and self.constrained \
            else _FREE_TEXT
        if key not in self._tables:
            if key != _FREE_TEXT:
                auto = constrained_lib.reply_automaton(self._vocab, spec,
                                                       self._topic_paths(spec))
            else:
                auto = constrained_lib.free_text_automaton(self._vocab,
                                                           banned_words=self.banned_words)
            self._tables[key] = (auto, {**decoding.device_tables(auto),
                                        "bannable": ops.convert_to_tensor(self._bannable)})
        return self._tables[key]

    def generate(
        self, prompts: Sequence[Prompt | str], max_new_tokens: int, task: Task,
        timeout_secs: float | None = None,
        reply_spec: constrained_lib.ReplySpec | None = None,
    ) -> BatchGeneration:
        """Generates one reply per prompt with ONE compiled generate call, in input order.

        `Task.SENTIMENT` constrains the reply to the JSON schema (unless the engine was built
        with `constrained=False`); `Task.APOLOGY` is free text without template tokens.
        Returns the batch's `Generation`s with the batch's shape and timing.

        `timeout_secs` bounds the execution of the compiled step only (not tokenization, not
        compiling a new shape): past it, `deadline.InferenceTimeout` is raised and the call
        is abandoned; it holds no lock, so later calls run beside it.

        `reply_spec` (default: the engine's) is the reply grammar of `Task.SENTIMENT`; each
        distinct one builds its tables once.
        """
        auto, tables = self._automaton_and_tables(task, reply_spec)
        needed = int(auto.min_finish[auto.start])
        if max_new_tokens < needed:  # a setting no chat can satisfy: not a per-chat error
            raise ModelUnavailable(f"max_new_tokens={max_new_tokens} is below the {needed} "
                                   f"tokens a complete {task} needs with this tokenizer")
        budget = self.length_buckets[-1] - max_new_tokens
        token_lists, truncated = self._encode(prompts, budget)
        plan = shapes.plan_shapes([len(t) for t in token_lists], max_new_tokens,
                                  self.batch_sizes, self.length_buckets)
        pad_id = self.tokenizer.pad_token_id
        token_ids = np.full((plan.batch_size, plan.max_length), pad_id, dtype="int32")
        padding_mask = np.zeros((plan.batch_size, plan.max_length), dtype="bool")
        # Left padding (models that mask pad keys): every prompt ends at `prompt_width` and
        # the prefill covers prompt positions only. Right padding otherwise (keras-hub's).
        prompt_width = plan.max_length - max_new_tokens if self._generate_fn.left_padded \
            else None
        starts = []
        for row in range(plan.batch_size):
            # Padding rows repeat the first prompt: a real prompt finishes like the others,
            # so the early stop (every row ended) is not delayed by garbage rows.
            ids = token_lists[row if row < plan.rows else 0]
            begin = 0 if prompt_width is None else prompt_width - len(ids)
            token_ids[row, begin:begin + len(ids)] = ids
            padding_mask[row, begin:begin + len(ids)] = True
            if prompt_width is not None:
                padding_mask[row, prompt_width:] = True  # the reply's own positions
            starts.append(begin + len(ids))
        max_body = auto.max_body_chars  # the budget the automaton's tables were built for
        tables = {**tables, **self._copy_tables(prompts, plan.batch_size, Task(task))}
        program, compiled = self._generate_fn.program(
            token_ids, padding_mask, tables, max_new_tokens, max_body, prompt_width)
        start = time.perf_counter()
        out = self.deadlines.run(
            lambda: self._generate_fn.run(program, token_ids, padding_mask, tables,
                                          max_new_tokens, max_body),
            timeout_secs, f"generate for a batch of {plan.rows}")
        elapsed_ms = (time.perf_counter() - start) * 1000.0
        out_ids, states, mass = out["token_ids"], out["state"], out["value_mass"]
        topic_logp = out["topic_logp"]
        # The length bucket may leave room past a row's budget: never return more.
        replies = [self._until_stop(out_ids[row, n:n + max_new_tokens].tolist())
                   for row, n in enumerate(starts[:plan.rows])]
        texts = self._decode_batch(replies)
        rows = []
        for row, ids in enumerate(replies):
            raw = scaled_probabilities(mass[row].tolist()) if mass.shape[1] else None
            calibrated = scaled_probabilities(mass[row].tolist(),
                                              self.calibration.temperature) if raw else None
            # The value the row wrote is the most probable one (`ConstrainedSampler`).
            chosen = max(range(len(raw)), key=raw.__getitem__) if raw else None
            rows.append(Generation(
                text=texts[row],
                token_ids=tuple(ids),
                prompt_tokens=len(token_lists[row]),
                generated_tokens=len(ids),
                inference_ms=round(elapsed_ms, 3),
                truncated=truncated[row],
                sentiment_confidence=round(calibrated[chosen], 6) if raw else None,
                sentiment_probabilities=(tuple(round(p, 6) for p in raw) if raw else None),
                finished=bool(states[row] == auto.done),
                topic_confidence=(round(math.exp(float(topic_logp[row])), 6)
                                  if auto.topics and states[row] == auto.done else None),
            ))
        return BatchGeneration(tuple(rows), padded_batch_size=plan.batch_size,
                               max_length=plan.max_length, inference_ms=elapsed_ms,
                               compiled=compiled)
