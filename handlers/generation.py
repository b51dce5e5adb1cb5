"""What a generate call is for, and what it returns: the contract between the engine, the
ModelHandler and the pipeline's stages (and anything standing in for the engine)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:  # types only: constrained and prompts do not import this module back
    from handlers.constrained import ReplySpec
    from prompts import Prompt

__all__ = ["BatchGeneration", "Engine", "Generation", "Task"]


class Task(StrEnum):
    """A pass of the pipeline, which decides how its replies are decoded."""

    # The sentiment reply: JSON constrained to the reply grammar (unless constraints are off).
    SENTIMENT = "sentiment"
    # The apology draft: free text without template tokens.
    APOLOGY = "apology"


@dataclass(frozen=True)
class Generation:
    """One prompt's reply.

    Attributes:
        text: the reply, special and stop tokens dropped.
        token_ids: the reply's token ids, up to and including the first stop token.
        prompt_tokens: tokens of the prompt as the model saw it (after any truncation).
        generated_tokens: tokens of the reply.
        inference_ms: execution time of the batch call that produced it.
        truncated: the chat lost its start to fit the largest length bucket.
        sentiment_confidence: the written sentiment value's calibrated probability (its
            probability over the token paths that write it, at the model's fitted temperature:
            `handlers.calibration`); None when no value was decided.
        sentiment_probabilities: every value's probability before calibration, in the reply
            grammar's value order (`ReplySpec.sentiment_values`); what calibration is fitted
            on. None when no value was decided.
        finished: the reply reached its stop token (the automaton's final state).
        topic_confidence: the probability of the topic label the reply wrote, among the
            taxonomy's labels (the product of its tokens' probabilities among those the
            grammar allowed; not calibrated); None when the reply has no topic.
    """

    text: str
    token_ids: tuple[int, ...] = ()
    prompt_tokens: int | None = None
    generated_tokens: int | None = None
    inference_ms: float | None = None
    truncated: bool = False
    sentiment_confidence: float | None = None
    sentiment_probabilities: tuple[float, ...] | None = None
    finished: bool = True
    topic_confidence: float | None = None


@dataclass(frozen=True)
class BatchGeneration:
    """The replies of one batch call, in input order, with what is true of the batch.

    A sequence of its `rows` (`len`, indexing and iteration), so a caller that needs only the
    replies treats it as a list.

    Attributes:
        rows: one `Generation` per prompt, in order.
        padded_batch_size: the batch bucket the call ran at (`len(rows)` real rows).
        max_length: the length bucket (prompt + reply tokens) the call ran at.
        inference_ms: execution time of the compiled call.
        compiled: this call compiled a new program (a new shape) first.
    """

    rows: tuple[Generation, ...]
    padded_batch_size: int = 0
    max_length: int = 0
    inference_ms: float = 0.0
    compiled: bool = False

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[Generation]:
        return iter(self.rows)

    def __getitem__(self, index: int) -> Generation:
        return self.rows[index]

    @property
    def generated_tokens(self) -> int:
        """Reply tokens of every row."""
        return sum(row.generated_tokens or 0 for row in self.rows)

    @property
    def tokens_per_s(self) -> float | None:
        """Reply tokens per second of execution; None for a call that took no time."""
        if self.inference_ms <= 0:
            return None
        return self.generated_tokens * 1000.0 / self.inference_ms


@runtime_checkable
class Engine(Protocol):
    """What a ModelHandler's model is: `handlers.engine.CausalLMEngine` (keras-hub Gemma),
    `bench.instant.InstantEngine` (no model, for measuring the pipeline around it) and the
    tests' stand-ins all implement it; `tests/unit/test_engine_protocol.py` checks their
    signatures against this one."""

    def generate(self, prompts: Sequence[Prompt | str], max_new_tokens: int, task: Task,
                 timeout_secs: float | None = None,
                 reply_spec: ReplySpec | None = None) -> BatchGeneration:
        """One reply per prompt, in input order, from one batched call.

        Args:
            prompts: rendered prompts (`prompts.Prompt`, or plain text).
            max_new_tokens: the most tokens a reply may have.
            task: `Task.SENTIMENT` (the reply grammar) or `Task.APOLOGY` (free text).
            timeout_secs: the most seconds execution may take (`deadline.InferenceTimeout`).
            reply_spec: the sentiment reply's grammar for this call (the engine's default
                when None).
        """
        ...
