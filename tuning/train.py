"""LoRA fine-tuning on labelled chats: `python -m tuning --base PRESET --data FILE --out FILE`.

The chats come from `--data` (labelled chats), from reviewers' feedback joined with the
pipeline's records (`--feedback GLOB --records DIR`, see `tuning.feedback`), or both.

The train step is one jitted JAX function over keras's stateless API: the backbone runs with
the LoRA factors (trainable) and every frozen weight passed as arguments (so no weight is
baked into the program as a constant), to final hidden states; only the positions that
predict a target token are gathered and multiplied by the tied embedding
(`token_embedding(..., reverse=True)`, soft cap included), since the hidden x 262,144-token
output layer over every position would cost more than the rest of the model; cross-entropy
is averaged over target tokens; AdamW updates through `optimizer.stateless_apply`.

Batches are padded to a few fixed shapes (`length_buckets` x `target_buckets`), each compiled
once ahead of time, so compile time is reported apart from training speed. Everything is
seeded: the LoRA initialisation (`keras.utils.set_random_seed`), the chat subset and the batch
order. Nothing here is CPU-specific: on a GPU worker JAX runs the same program there.
"""

from __future__ import annotations

import argparse
import logging
import os
import shlex
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, NamedTuple

import numpy as np

from handlers import keras_hub_compat as compat
from handlers.generation import Task
from pipeline.digests import sha256_file
from prompts.templates import DEFAULT_PROMPT_VERSION, load_prompt_set
from taxonomies import DEFAULT_TAXONOMY, load_taxonomy, prompt_topics
from tuning import lora
from tuning.examples import (
    Encoder,
    LabelledChat,
    TrainingSequence,
    in_calibration_holdout,
    read_labelled_records,
)
from tuning.feedback import load as load_feedback
from tuning.feedback import log_problems

__all__ = [
    "Batch",
    "TrainConfig",
    "Trainer",
    "check_sources",
    "make_batches",
    "main",
    "sequence_loss",
    "training_chats",
    "training_records",
]

_LOGGER = logging.getLogger(__name__)

_TASK_IDS = {Task.SENTIMENT: 0, Task.APOLOGY: 1}
DEFAULT_LENGTH_BUCKETS = (128, 192, 256, 384, 512, 768, 1024)
DEFAULT_TARGET_BUCKETS = (32, 48, 64, 96, 128, 192, 256)
_PROGRESS_SECONDS = 60.0
_SYNC_EVERY = 4
TARGET_SETS = {"qv": lora.DEFAULT_TARGETS, "all": lora.ALL_TARGETS}
# Refused chats named in the run's record (all are counted).
_MAX_REFUSALS_RECORDED = 200


@dataclass
class TrainConfig:
    """Hyperparameters of a run (all recorded in the adapter's header)."""

    epochs: int = 2
    rank: int = 8
    alpha: float = 16.0
    lr: float = 5e-4
    weight_decay: float = 0.0
    warmup_fraction: float = 0.06
    clipnorm: float = 1.0
    label_weight: float = 1.0
    batch_size: int = 4
    seed: int = 0
    max_examples: int | None = None
    # Percent of the chats kept out of training for calibration (`tuning.calibrate`), chosen
    # by a digest of the chat text (`examples.in_calibration_holdout`): the same chats on
    # every run and in both commands.
    calibration_holdout: int = 0
    max_length: int = 512
    max_summary_chars: int = 256
    targets: tuple[str, ...] = lora.DEFAULT_TARGETS
    length_buckets: tuple[int, ...] = DEFAULT_LENGTH_BUCKETS
    target_buckets: tuple[int, ...] = DEFAULT_TARGET_BUCKETS
    tasks: tuple[Task, ...] = field(default=(Task.SENTIMENT, Task.APOLOGY))
    # The prompts trained on (the pipeline's --prompt_version) and, when that version asks
    # for a topic, the taxonomy whose labels it lists and the replies end with (--taxonomy).
    prompt_version: str = DEFAULT_PROMPT_VERSION
    taxonomy: str = DEFAULT_TAXONOMY
    # An adapter of this base to go on training from (its factors are the starting point;
    # its rank, alpha and targets must be this run's), or None: fresh factors.
    init_adapter: str | None = None

    def __post_init__(self):
        # Buckets below max_length, then max_length itself: every sequence that fits
        # max_length (prompt + target, target alone) has a bucket.
        for name in ("length_buckets", "target_buckets"):
            buckets = sorted(getattr(self, name))
            setattr(self, name, (*(b for b in buckets if b < self.max_length), self.max_length))
        self.targets, self.tasks = tuple(self.targets), tuple(self.tasks)


class Batch(NamedTuple):
    """One padded batch. Row r feeds `token_ids[r]`; its hidden state at `positions[r, j]`
    predicts `labels[r, j]`, counted with weight `weights[r, j]` (0 on padding)."""

    token_ids: np.ndarray  # int32 [B, L]
    padding_mask: np.ndarray  # bool [B, L]
    positions: np.ndarray  # int32 [B, T]
    labels: np.ndarray  # int32 [B, T]
    weights: np.ndarray  # float32 [B, T]
    task: np.ndarray  # int32 [B]: 0 sentiment, 1 apology

    @property
    def shape(self) -> tuple[int, int, int]:
        return (*self.token_ids.shape, self.positions.shape[1])


def _bucket(n: int, buckets: Sequence[int]) -> int:
    for size in buckets:
        if n <= size:
            return size
    raise ValueError(f"{n} exceeds the largest bucket {buckets[-1]}")


def make_batch(sequences: Sequence[TrainingSequence], batch_size: int, pad_id: int,
               length_buckets: Sequence[int], target_buckets: Sequence[int],
               label_weight: float = 1.0) -> Batch:
    """Pads up to `batch_size` sequences to the smallest bucket shapes that hold them; rows
    past the sequences are all padding (weight 0). Target tokens weigh 1 in the loss, the
    sentiment value's tokens (`label_span`) `label_weight`."""
    fed = [s.prompt_ids + s.target_ids[:-1] for s in sequences]
    length = _bucket(max(map(len, fed)), length_buckets)
    targets = _bucket(max(len(s.target_ids) for s in sequences), target_buckets)
    token_ids = np.full((batch_size, length), pad_id, dtype=np.int32)
    padding_mask = np.zeros((batch_size, length), dtype=bool)
    positions = np.zeros((batch_size, targets), dtype=np.int32)
    labels = np.zeros((batch_size, targets), dtype=np.int32)
    weights = np.zeros((batch_size, targets), dtype=np.float32)
    task = np.zeros((batch_size,), dtype=np.int32)
    for row, (seq, ids) in enumerate(zip(sequences, fed, strict=True)):
        n, first = len(seq.target_ids), len(seq.prompt_ids) - 1
        token_ids[row, : len(ids)] = ids
        padding_mask[row, : len(ids)] = True
        # The hidden state at the prompt's last token predicts the first target token, and
        # so on: position first + j predicts target j.
        positions[row, :n] = np.arange(first, first + n)
        labels[row, :n] = seq.target_ids
        weights[row, :n] = 1.0
        weights[row, seq.label_span[0]:seq.label_span[1]] = label_weight
        task[row] = _TASK_IDS[seq.task]
    return Batch(token_ids, padding_mask, positions, labels, weights, task)


def make_batches(sequences: Sequence[TrainingSequence], config: TrainConfig, pad_id: int,
                 rng: np.random.Generator) -> list[Batch]:
    """One epoch of batches: sequences sorted by (length bucket, target bucket, random), cut
    into consecutive batches (little padding, few shapes), batch order shuffled."""
    def key(i: int) -> tuple[int, int]:
        s = sequences[i]
        return (_bucket(len(s.prompt_ids) + len(s.target_ids) - 1, config.length_buckets),
                _bucket(len(s.target_ids), config.target_buckets))

    tie = rng.permutation(len(sequences))
    order = sorted(range(len(sequences)), key=lambda i: (*key(i), tie[i]))
    chunks = [order[i:i + config.batch_size] for i in range(0, len(order), config.batch_size)]
    batches = [make_batch([sequences[i] for i in chunk], config.batch_size, pad_id,
                          config.length_buckets, config.target_buckets, config.label_weight)
               for chunk in chunks]
    return [batches[i] for i in rng.permutation(len(batches))]


def sequence_loss(backbone, batch, gather_first: bool = True):
    """Per-target-token negative log-likelihood `[B, T]` (unweighted) of a batch.

    Call inside a `keras.StatelessScope` (as `Trainer` does) or with live variables.
    `gather_first=True` computes logits only at the target positions; False computes them at
    every position and gathers after (the reference the fast path is tested against).
    """
    import jax
    import jax.numpy as jnp

    hidden = backbone({"token_ids": batch.token_ids, "padding_mask": batch.padding_mask})
    positions = jnp.asarray(batch.positions)
    if gather_first:
        hidden = jnp.take_along_axis(hidden, positions[..., None], axis=1)
        logits = backbone.token_embedding(hidden, reverse=True)
    else:
        logits = backbone.token_embedding(hidden, reverse=True)
        logits = jnp.take_along_axis(logits, positions[..., None], axis=1)
    logits = logits.astype("float32")
    picked = jnp.take_along_axis(logits, jnp.asarray(batch.labels)[..., None], axis=-1)[..., 0]
    return jax.nn.logsumexp(logits, axis=-1) - picked


class Trainer:
    """Jitted LoRA training of one backbone.

    Args:
        backbone: a keras-hub backbone with LoRA enabled (`lora.enable_lora`).
        config: the run's hyperparameters.
        total_steps: optimizer steps planned (for the learning-rate schedule).
    """

    def __init__(self, backbone, config: TrainConfig, total_steps: int):
        import jax.numpy as jnp
        import keras

        self.backbone = backbone
        self.config = config
        self.trainable_vars = list(backbone.trainable_variables)
        self.frozen_vars = list(backbone.non_trainable_variables)
        warmup = int(round(total_steps * config.warmup_fraction))
        schedule = keras.optimizers.schedules.CosineDecay(
            initial_learning_rate=0.0 if warmup else config.lr,
            decay_steps=max(1, total_steps - warmup), alpha=0.1,
            warmup_target=config.lr if warmup else None, warmup_steps=warmup)
        self.optimizer = keras.optimizers.AdamW(
            learning_rate=schedule, weight_decay=config.weight_decay,
            global_clipnorm=config.clipnorm)
        self.optimizer.build(self.trainable_vars)
        # Copies: the step donates its trainable and optimizer buffers.
        self.trainable = [jnp.array(v.value) for v in self.trainable_vars]
        self.frozen = [v.value for v in self.frozen_vars]
        self.opt_state = [jnp.array(v.value) for v in self.optimizer.variables]
        self._programs: dict[tuple[int, int, int], Any] = {}
        self.compile_seconds = 0.0

    def _loss(self, trainable, frozen, batch):
        import jax.numpy as jnp
        import keras

        mapping = [*zip(self.trainable_vars, trainable, strict=True),
                   *zip(self.frozen_vars, frozen, strict=True)]
        with keras.StatelessScope(state_mapping=mapping):
            nll = sequence_loss(self.backbone, batch)
        weights = jnp.asarray(batch.weights)
        loss = (nll * weights).sum() / jnp.maximum(weights.sum(), 1.0)
        # Reported: the plain mean NLL per target token, whatever the label weight.
        counted = (weights > 0).astype("float32")
        per_row, tokens = (nll * counted).sum(axis=1), counted.sum(axis=1)
        is_apology = (jnp.asarray(batch.task) == 1).astype("float32")
        stats = jnp.stack([per_row.sum(), tokens.sum(),
                           (per_row * is_apology).sum(), (tokens * is_apology).sum()])
        return loss, stats

    def _step(self, trainable, opt_state, frozen, batch):
        import jax

        (_, stats), grads = jax.value_and_grad(self._loss, has_aux=True)(
            trainable, frozen, batch)
        trainable, opt_state = self.optimizer.stateless_apply(opt_state, grads, trainable)
        return trainable, opt_state, stats

    def compile_all(self, batches: Sequence[Batch]) -> None:
        """Compiles the step for every new shape among `batches`, one program per shape.
        (Compiling them in threads was tried: no faster on 2 cores.)"""
        import jax

        todo = {b.shape: b for b in batches if b.shape not in self._programs}
        jitted = jax.jit(self._step, donate_argnums=(0, 1))
        for shape, batch in todo.items():
            start = time.perf_counter()
            self._programs[shape] = jitted.lower(
                self.trainable, self.opt_state, self.frozen, batch).compile()
            took = time.perf_counter() - start
            self.compile_seconds += took
            _LOGGER.info("compiled the train step for batch %d x length %d x targets %d in "
                         "%.1fs", *shape, took)

    def program(self, batch: Batch):
        """The compiled step for this batch's shape (compiled on first use)."""
        if batch.shape not in self._programs:
            self.compile_all([batch])
        return self._programs[batch.shape]

    @property
    def compiles(self) -> int:
        return len(self._programs)

    def step(self, batch: Batch):
        """One optimizer step, dispatched without waiting for it; returns the step's
        `[nll sum, tokens, apology nll sum, apology tokens]` as a device array."""
        program = self.program(batch)
        self.trainable, self.opt_state, stats = program(
            self.trainable, self.opt_state, self.frozen, batch)
        return stats

    def write_back(self) -> None:
        """Copies the trained values into the backbone's variables."""
        for variable, value in zip(self.trainable_vars, self.trainable, strict=True):
            variable.assign(value)



def _epoch_line(epoch: int, epochs: int, totals: np.ndarray, seconds: float, n: int) -> str:
    nll, tokens, apology_nll, apology_tokens = (float(x) for x in totals)
    sentiment_tokens = tokens - apology_tokens
    parts = [f"epoch {epoch}/{epochs}: loss {nll / max(tokens, 1):.4f}"]
    if sentiment_tokens:
        parts.append(f"sentiment {(nll - apology_nll) / sentiment_tokens:.4f}")
    if apology_tokens:
        parts.append(f"apology {apology_nll / apology_tokens:.4f}")
    return (", ".join(parts) + f"; {n} examples in {seconds:.1f}s = "
            f"{n / max(seconds, 1e-9):.2f} examples/s")


def check_sources(data: str | None, feedback: Sequence[str] | None,
                  records: Sequence[str] | None) -> None:
    """The data flags make sense together.

    Raises:
        ValueError: naming the flag.
    """
    if not data and not feedback:
        raise ValueError("no training data: give --data, or --feedback with --records, or both")
    if feedback and not records:
        raise ValueError("--feedback needs --records: the pipeline output directories that "
                         "hold the reviewed chats (review*.jsonl, results*.jsonl)")
    if records and not feedback:
        raise ValueError("--records is read only with --feedback")


def training_records(data: str | None, feedback: Sequence[str] | None = None,
                     records: Sequence[str] | None = None,
                     max_summary_chars: int | None = None,
                     ) -> tuple[list[tuple[str, LabelledChat]], dict]:
    """`training_chats`, each chat with the name its problems are reported under: `chat N`
    (its chat id) for feedback, `read_labelled_records`' name for `--data`."""
    check_sources(data, feedback, records)
    chats: list[tuple[str, LabelledChat]] = []
    source: dict[str, Any] = {"data": None, "data_sha256": None}
    if data:
        chats = read_labelled_records(data)
        source.update(data=os.path.basename(data), data_sha256=sha256_file(data))
    if feedback:
        derived, source["feedback"] = load_feedback(feedback, records or (), max_summary_chars)
        log_problems(derived.problems)
        if not derived.chats:
            raise ValueError(f"--feedback: no labelled chat derived ({derived.counts})")
        _LOGGER.info("feedback: %s", derived.counts)
        chats += [(f"chat {chat_id}", chat) for chat_id, chat in derived.chats]
    return chats, source


def training_chats(data: str | None, feedback: Sequence[str] | None = None,
                   records: Sequence[str] | None = None,
                   max_summary_chars: int | None = None) -> tuple[list[LabelledChat], dict]:
    """The chats of `data`, then those derived from `feedback` and `records` (by chat_id), and
    where they came from: `data`, `data_sha256` (None without `--data`) and, with feedback,
    `feedback` (the files with their sha256, the counts, the derived chats' sha256).

    Raises:
        ValueError: naming the flag; also when the feedback yields no chat.
    """
    named, source = training_records(data, feedback, records, max_summary_chars)
    return [chat for _, chat in named], source


def train(base: str, data: str | None, out: str, config: TrainConfig,
          command: str | None = None, feedback: Sequence[str] | None = None,
          records: Sequence[str] | None = None) -> dict[str, Any]:
    """Trains an adapter for the preset `base` and writes it to `out`, on the chats of `data`
    and those derived from the `feedback` files joined with the run directories `records`.

    Returns the run's record (also stored in the adapter header under "training"):
    where the data came from, losses, examples/s (sequences per second of training, compile
    excluded), timings.
    """
    started = time.perf_counter()
    # The data first: a bad file or flag is reported before seconds of importing keras.
    named, source = training_records(data, feedback, records, config.max_summary_chars)
    import keras

    keras.utils.set_random_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    held_out = [c for _, c in named if in_calibration_holdout(c, config.calibration_holdout)]
    named = [(n, c) for n, c in named if not in_calibration_holdout(c, config.calibration_holdout)]
    if config.max_examples is not None and config.max_examples < len(named):
        keep = np.sort(rng.permutation(len(named))[: config.max_examples])
        named = [named[i] for i in keep]
    model = compat.load_causal_lm(base)
    if model.preprocessor is None:
        raise ValueError(f"preset {base!r} has no tokenizer")
    backbone = model.backbone
    fingerprint = lora.base_fingerprint(backbone)
    encoder = Encoder(model.preprocessor.tokenizer)
    # Targets that spell a special piece are refused, by chat id, not neutralised or dropped
    # silently (`tuning.examples`); the count and the names go into the run's record.
    prompt_set = load_prompt_set(config.prompt_version)
    topics = prompt_topics(prompt_set, config.taxonomy)
    chats, refused = encoder.screen([c for _, c in named], [n for n, _ in named], config.tasks,
                                    topics)
    if refused:
        _LOGGER.warning("%d chats refused: a target spells a special piece of the tokenizer "
                        "or names a topic the taxonomy lacks", len(refused))
    sequences = encoder.encode(chats, config.max_summary_chars, config.max_length, config.tasks,
                               prompt_set, topics)
    if not sequences:
        raise ValueError("no training sequence fits max_length")
    counts = {t: sum(s.task == t for s in sequences) for t in config.tasks}
    _LOGGER.info("%d chats -> %d sequences %s (%d truncated), %d target tokens", len(chats),
                 len(sequences), counts, sum(s.truncated for s in sequences),
                 sum(len(s.target_ids) for s in sequences))
    started_from = _start_lora(backbone, config, fingerprint)
    pad_id = int(model.preprocessor.tokenizer.pad_token_id)
    epochs = [make_batches(sequences, config, pad_id, rng) for _ in range(config.epochs)]
    trainer = Trainer(backbone, config, sum(map(len, epochs)))
    trainer.compile_all([b for batches in epochs for b in batches])  # before the clock starts
    setup_seconds = time.perf_counter() - started
    _LOGGER.info("setup %.1fs (compile %.1fs, %d programs)", setup_seconds,
                 trainer.compile_seconds, trainer.compiles)
    history, train_seconds = [], 0.0
    bar = None
    if sys.stdout.isatty():  # a bar on a terminal; log lines in CI and files
        from tqdm import tqdm

        bar = tqdm(total=sum(map(len, epochs)), unit="step", dynamic_ncols=True,
                   file=sys.stdout)
    for epoch, batches in enumerate(epochs, start=1):
        start = last_log = time.perf_counter()
        stats = []  # device arrays: the host waits only every few steps, not on each one
        for index, batch in enumerate(batches, start=1):
            stats.append(trainer.step(batch))
            if index % _SYNC_EVERY:
                continue
            stats[-1].block_until_ready()  # keeps the dispatch queue short and the log honest
            totals = np.sum(stats, axis=0, dtype=np.float64)
            loss = totals[0] / max(totals[1], 1)
            if bar is not None:
                bar.update(_SYNC_EVERY)
                bar.set_postfix(epoch=f"{epoch}/{config.epochs}", loss=f"{loss:.4f}")
            elif time.perf_counter() - last_log >= _PROGRESS_SECONDS:
                last_log = time.perf_counter()
                elapsed = last_log - start
                rate = index * config.batch_size / elapsed
                left = (len(batches) - index) * elapsed / index
                _LOGGER.info("epoch %d/%d: step %d/%d, loss so far %.4f, %.2f examples/s, "
                             "%.0f s left in this epoch", epoch, config.epochs, index,
                             len(batches), loss, rate, left)
        if bar is not None:
            bar.update(len(batches) % _SYNC_EVERY)
        totals = np.sum(stats, axis=0, dtype=np.float64)
        seconds = time.perf_counter() - start
        train_seconds += seconds
        line = _epoch_line(epoch, config.epochs, totals, seconds, len(sequences))
        if bar is not None:
            bar.write(line)
        else:
            print(line, flush=True)
        history.append({"epoch": epoch, "loss": round(float(totals[0] / max(totals[1], 1)), 5),
                        "seconds": round(seconds, 2)})
    if bar is not None:
        bar.close()
    trainer.write_back()
    examples_per_s = len(sequences) * config.epochs / max(train_seconds, 1e-9)
    record = {
        "command": command,
        "config": {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(config).items()},
        **source,
        "chats": len(chats),
        "calibration_holdout_chats": len(held_out),
        # Chats refused before encoding (counted by reason, named by chat id).
        # "special_piece" kept as the key: a refused target spells a special piece or, under
        # a topic prompt, names a topic the taxonomy lacks (the names say which).
        "refused": {"special_piece": len(refused)},
        "topic_labelled_chats": sum(c.topic is not None for c in chats),
        "refused_chats": refused[:_MAX_REFUSALS_RECORDED],
        "init_adapter": started_from,
        "sequences": counts,
        "truncated": sum(s.truncated for s in sequences),
        "target_tokens": sum(len(s.target_ids) for s in sequences),
        "history": history,
        "final_loss": history[-1]["loss"],
        "compiles": trainer.compiles,
        "compile_seconds": round(trainer.compile_seconds, 1),
        "train_seconds": round(train_seconds, 1),
        "total_seconds": round(time.perf_counter() - started, 1),
        "examples_per_s": round(examples_per_s, 3),
        "device": _device(),
    }
    meta = {"rank": config.rank, "alpha": config.alpha, "targets": list(config.targets),
            "base": {**fingerprint, "preset": base},
            "max_summary_chars": config.max_summary_chars, "training": record}
    lora.save_adapter(out, lora.adapter_arrays(backbone), meta)
    record["adapter_bytes"] = os.path.getsize(out)
    _LOGGER.info("wrote %s (%d bytes, %d LoRA layers)", out, record["adapter_bytes"],
                 len(lora.lora_layers(backbone)))
    print(f"METRIC tuning_examples_per_s {examples_per_s:.4g}", flush=True)
    return record


def _start_lora(backbone, config: TrainConfig, fingerprint) -> dict[str, str] | None:
    """Enables LoRA on `backbone`: fresh factors, or those of `config.init_adapter` (which
    must be an adapter of this base with this run's rank, alpha and targets). Returns the
    starting adapter's path and sha256 for the run's record, or None."""
    if config.init_adapter is None:
        lora.enable_lora(backbone, config.rank, config.alpha, config.targets)
        return None
    meta, arrays = lora.load_adapter(config.init_adapter)
    lora.check_base(meta, fingerprint)
    ours = {"rank": config.rank, "alpha": config.alpha, "targets": list(config.targets)}
    theirs = {"rank": int(meta["rank"]), "alpha": float(meta["alpha"]),
              "targets": list(meta["targets"])}
    if ours != theirs:
        differ = sorted(k for k in ours if ours[k] != theirs[k])
        raise lora.AdapterMismatch(f"--init_adapter {config.init_adapter} was trained with "
                                   f"other {', '.join(differ)}: {theirs}, this run {ours}")
    lora.load_into_lora(backbone, meta, arrays)
    return {"path": config.init_adapter, "sha256": sha256_file(config.init_adapter)}


def _device() -> str:
    import jax

    device = jax.devices()[0]
    return f"{device.platform}:{device.device_kind} x{jax.device_count()}"


def _positive_ints(text: str) -> tuple[int, ...]:
    values = tuple(int(v) for v in text.split(",") if v.strip())
    if not values or min(values) <= 0:
        raise argparse.ArgumentTypeError(f"expected positive integers, got {text!r}")
    return tuple(sorted(values))


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m tuning",
        description="LoRA-tune a keras-hub Gemma preset on labelled chats and/or reviewers' "
        "feedback (both pipeline tasks) and write an adapter; merge it with "
        "`python -m tuning.apply`.")
    d = TrainConfig()
    p.add_argument("--base", required=True,
                   help="Base preset: anything CausalLM.from_preset takes "
                   "(models/gemma3-270m-base).")
    p.add_argument("--data", default=None,
                   help='Labelled chats, JSON lines: {"user_id", "chat_message", "sentiment", '
                   '"summary", "apology" or null, "language"}. Optional with --feedback.')
    p.add_argument("--feedback", action="append", default=None,
                   help="Reviewers' feedback JSON lines, a file or a glob (the review app's "
                   "feedback.jsonl, or a run's feedback*.jsonl); needs --records. Its chats "
                   "are added after --data's. Repeatable. Default: none.")
    p.add_argument("--records", action="append", default=None,
                   help="A pipeline --output_dir whose review*.jsonl and results*.jsonl hold "
                   "the chats the feedback is about. Repeatable. Default: none.")
    p.add_argument("--out", required=True,
                   help="Adapter file to write (.npz); a JSON sidecar <out>.json records the run.")
    p.add_argument("--epochs", type=int, default=d.epochs,
                   help=f"Passes over the data. Default: {d.epochs}.")
    p.add_argument("--rank", type=int, default=d.rank, help=f"LoRA rank. Default: {d.rank}.")
    p.add_argument("--alpha", type=float, default=d.alpha,
                   help=f"LoRA alpha; the update is scaled by alpha/rank. Default: {d.alpha:g}.")
    p.add_argument("--lr", type=float, default=d.lr,
                   help=f"Peak AdamW learning rate (warmup, then cosine to 10%%). "
                   f"Default: {d.lr:g}.")
    p.add_argument("--batch_size", type=int, default=d.batch_size,
                   help=f"Sequences per step. Default: {d.batch_size}.")
    p.add_argument("--seed", type=int, default=d.seed,
                   help=f"Seed for LoRA init, subset and batch order. Default: {d.seed}.")
    p.add_argument("--calibration_holdout", type=int, default=0,
                   help="Percent (0-50) of the chats kept out of training for "
                   "`python -m tuning.calibrate`, chosen by a digest of the chat text. "
                   "Default: 0.")
    p.add_argument("--max_examples", type=int, default=None,
                   help="Use at most this many chats (a seeded random subset). Default: all.")
    p.add_argument("--max_length", type=int, default=d.max_length,
                   help="Most tokens fed per sequence (prompt + target); longer prompts lose "
                   f"the start of their chat, as in the pipeline. Default: {d.max_length}.")
    p.add_argument("--max_summary_chars", type=int, default=d.max_summary_chars,
                   help="The pipeline's --max_summary_chars, stated in the prompt. "
                   f"Default: {d.max_summary_chars}.")
    p.add_argument("--targets", choices=sorted(TARGET_SETS), default="qv",
                   help="LoRA layers: qv = query and value (keras-hub's default), all = every "
                   "attention and feed-forward projection. Default: qv.")
    p.add_argument("--label_weight", type=float, default=d.label_weight,
                   help="Loss weight of the reply tokens that write the sentiment value (the "
                   f"other target tokens weigh 1). Default: {d.label_weight:g}.")
    p.add_argument("--tasks", default="sentiment,apology",
                   help="Comma-separated tasks to train: sentiment, apology. "
                   "Default: sentiment,apology.")
    p.add_argument("--init_adapter", default=None,
                   help="Go on training from this adapter of --base (same --rank, --alpha and "
                   "--targets) instead of fresh factors: e.g. more epochs on some tasks.")
    p.add_argument("--prompt_version", default=d.prompt_version,
                   help="The prompt version to train on (prompts/versions/). "
                   f"Default: {d.prompt_version}.")
    p.add_argument("--taxonomy", default=d.taxonomy,
                   help="Topic taxonomy (a name in taxonomies/ or a .json path), for a prompt "
                   f"version that asks for a topic. Default: {d.taxonomy}.")
    p.add_argument("--length_buckets", type=_positive_ints,
                   default=",".join(map(str, d.length_buckets)),
                   help="Comma-separated padded sequence lengths (each a compiled shape). "
                   f"Default: {','.join(map(str, d.length_buckets))}.")
    p.add_argument("--target_buckets", type=_positive_ints,
                   default=",".join(map(str, d.target_buckets)),
                   help="Comma-separated padded target lengths. "
                   f"Default: {','.join(map(str, d.target_buckets))}.")
    return p


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """The run's TrainConfig; ValueError names the flag that is wrong."""
    tasks = tuple(t.strip() for t in args.tasks.split(",") if t.strip())
    if not tasks or set(tasks) - {Task.SENTIMENT, Task.APOLOGY}:
        raise ValueError(f"--tasks must name sentiment and/or apology, got {args.tasks!r}")
    for flag in ("epochs", "rank", "batch_size", "max_length", "max_summary_chars"):
        if getattr(args, flag) <= 0:
            raise ValueError(f"--{flag} must be positive")
    if args.lr <= 0 or args.alpha <= 0 or args.label_weight <= 0:
        raise ValueError("--lr, --alpha and --label_weight must be positive")
    if args.init_adapter is not None and not os.path.isfile(args.init_adapter):
        raise ValueError(f"--init_adapter {args.init_adapter}: no such file")
    if args.max_examples is not None and args.max_examples <= 0:
        raise ValueError("--max_examples must be positive")
    if not 0 <= args.calibration_holdout <= 50:
        raise ValueError("--calibration_holdout must be a percent from 0 to 50")
    try:
        load_prompt_set(args.prompt_version)
        load_taxonomy(args.taxonomy)
    except ValueError as e:  # PromptVersionError, TaxonomyError
        raise ValueError(f"--prompt_version/--taxonomy: {e}") from None
    return TrainConfig(
        epochs=args.epochs, rank=args.rank, alpha=args.alpha, lr=args.lr,
        batch_size=args.batch_size, seed=args.seed, label_weight=args.label_weight,
        max_examples=args.max_examples, calibration_holdout=args.calibration_holdout,
        max_length=args.max_length, max_summary_chars=args.max_summary_chars,
        targets=TARGET_SETS[args.targets], tasks=tasks,
        length_buckets=args.length_buckets, target_buckets=args.target_buckets,
        prompt_version=args.prompt_version, taxonomy=args.taxonomy,
        init_adapter=args.init_adapter)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser().parse_args(argv)
    try:
        config = config_from_args(args)
        check_sources(args.data, args.feedback, args.records)
    except ValueError as e:
        parser().error(str(e))
    command = "python -m tuning " + " ".join(shlex.quote(a) for a in argv)
    record = train(args.base, args.data, args.out, config, command=command,
                   feedback=args.feedback, records=args.records)
    import json

    with open(args.out + ".json", "w") as f:
        json.dump(record, f, indent=2, sort_keys=True)
        f.write("\n")
    return record
