"""Automata for constrained decoding, precomputed once per tokenizer as `[states x vocab]` tables.

The reply grammar is `{"sentiment": V, "summary": "S"}` followed by end-of-sequence, where V is
one of the allowed sentiment values and S is a JSON string body of at most N characters
(counted as written, escapes included, so the decoded summary is never longer). The grammar's
parameters come from `pipeline.schemas.reply_constraint_spec()`, the same definition the reply
parser validates against.

A character-level automaton is lifted to tokens: for every (state, token) the token's text is
run through the character automaton, giving the next state (or dead), how many summary
characters the token writes, and which sentiment value (if any) it commits to. The summary
length is not part of the state (that would multiply the table by N); it is a per-row counter
carried in the generate loop, checked against `body_chars`. A character is charged when it is
opened (an escape's two characters at the backslash, a UTF-8 character at its lead byte), so
closing the summary never costs budget. `min_finish[state]` is the fewest tokens that reach
end-of-sequence from a state without more budget than the state is sure to have left (all of
it before the summary has content, none after), so the loop can always close the JSON before
its token or character budget runs out.

Byte-fallback tokens (`<0xE2>`) are handled as UTF-8 bytes inside the summary, and only
well-formed sequences (Unicode Table 3-7) are allowed, so each decodes to exactly one
character; special tokens (BOS, PAD, turn markers, ...) are never allowed, except the stop
tokens once the JSON is closed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

__all__ = [
    "DEAD",
    "Automaton",
    "TokenKind",
    "VocabEntry",
    "free_text_automaton",
    "reply_automaton",
    "vocabulary_of",
]

DEAD = -1
_BYTE_PIECE = re.compile(r"^<0x([0-9A-Fa-f]{2})>$")


class TokenKind:
    TEXT = 0
    BYTE = 1
    SPECIAL = 2
    STOP = 3
    PAD = 4


@dataclass(frozen=True)
class VocabEntry:
    """A token as the automaton sees it: its text (or byte value) and kind."""

    text: str
    kind: int
    byte: int = -1


@dataclass
class Automaton:
    """Token-level transition tables (numpy), plus the names of the states."""

    trans: np.ndarray  # int32 [S, V]: next state or DEAD
    body_chars: np.ndarray  # int32 [S, V]: summary characters the token writes
    commit: np.ndarray  # int32 [S, V]: 0, or 1 + index of the sentiment value committed
    min_finish: np.ndarray  # int32 [S]: fewest tokens to DONE (stop emitted), within budget
    start: int
    done: int
    state_names: list[str]
    values: tuple[int, ...] = ()
    max_body_chars: int = 0

    @property
    def num_states(self) -> int:
        return self.trans.shape[0]


def vocabulary_of(tokenizer, stop_token_ids: Sequence[int]) -> list[VocabEntry]:
    """Token texts and kinds of a keras-hub SentencePiece tokenizer (Gemma family)."""
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_proto=tokenizer.proto)
    stops = set(int(t) for t in stop_token_ids)
    pad = int(tokenizer.pad_token_id)
    entries = []
    for i in range(sp.get_piece_size()):
        piece = sp.id_to_piece(i)
        if i in stops:
            entries.append(VocabEntry("", TokenKind.STOP))
        elif i == pad:
            entries.append(VocabEntry("", TokenKind.PAD))
        elif sp.is_byte(i):
            match = _BYTE_PIECE.match(piece)
            entries.append(VocabEntry("", TokenKind.BYTE, int(match.group(1), 16)))
        elif sp.is_control(i) or sp.is_unknown(i) or sp.is_unused(i):
            entries.append(VocabEntry("", TokenKind.SPECIAL))
        elif piece in ("<start_of_turn>", "<end_of_turn>", "<start_of_image>", "<end_of_image>"):
            entries.append(VocabEntry("", TokenKind.SPECIAL))
        else:
            entries.append(VocabEntry(piece.replace("\u2581", " "), TokenKind.TEXT))
    # keras-hub may pad the embedding beyond the SentencePiece vocabulary.
    size = tokenizer.vocabulary_size()
    entries.extend(VocabEntry("", TokenKind.SPECIAL) for _ in range(size - len(entries)))
    return entries


# Unicode Table 3-7 (well-formed UTF-8 byte sequences): a lead byte range, the range its first
# continuation byte must fall in, and how many continuation bytes follow the lead. The narrowed
# first ranges exclude overlong forms (E0, F0), surrogates (ED) and code points above U+10FFFF
# (F4); C0, C1 and F5-FF never start a sequence. SentencePiece decodes every byte of an
# ill-formed sequence as U+FFFD, which would break the summary's character count.
_UTF8_LEADS = (
    (0xC2, 0xDF, 0x80, 0xBF, 1),
    (0xE0, 0xE0, 0xA0, 0xBF, 2),
    (0xE1, 0xEC, 0x80, 0xBF, 2),
    (0xED, 0xED, 0x80, 0x9F, 2),
    (0xEE, 0xEF, 0x80, 0xBF, 2),
    (0xF0, 0xF0, 0x90, 0xBF, 3),
    (0xF1, 0xF3, 0x80, 0xBF, 3),
    (0xF4, 0xF4, 0x80, 0x8F, 3),
)
_CONT_LO, _CONT_HI = 0x80, 0xBF


class _State(NamedTuple):
    """A character-automaton state: its kind and what the kind needs to know.

    `L1`/`L2`: position in the literal before/after the value; `V`: the value prefix read;
    `VD`: the value read; `B`/`ESC`: in the summary body (or just after a backslash), `arg` is
    1 once the summary has content; `U`: inside a UTF-8 character, `arg` is (continuation bytes
    still due, lowest and highest allowed next byte); `Q`: after the closing quote.
    """

    kind: str
    arg: Any = None

    @property
    def name(self) -> str:
        if self.kind == "V":
            return f"V_{self.arg!r}"
        if self.kind in ("L1", "L2", "VD"):
            return f"{self.kind}_{self.arg}"
        if self.kind in ("B", "ESC"):
            return f"{self.kind}{self.arg}"
        if self.kind == "U":
            pending, lo, hi = self.arg
            return f"U{pending}_{lo:02X}{hi:02X}"
        return self.kind


_NO = (DEAD, 0, 0)


class _CharAutomaton:
    """The reply grammar over characters (and UTF-8 bytes inside the summary).

    Summary characters are charged when they are opened, never later: a backslash costs the two
    characters of its escape and the escaped character nothing; a UTF-8 lead byte costs the one
    character it starts and its continuation bytes nothing. So every state inside the summary
    can close it without spending budget, and a row never writes what it cannot finish.
    """

    def __init__(self, values: Sequence[int], keys: Sequence[str]):
        sentiment_key, summary_key = keys
        self.lit1 = '{"' + sentiment_key + '": '
        self.lit2 = ', "' + summary_key + '": "'
        self.values = tuple(values)
        self.value_texts = [str(v) for v in self.values]
        # Value states: one per proper prefix of a value text ("" is the value's start).
        self.prefixes = sorted({t[:k] for t in self.value_texts for k in range(len(t))})
        utf8 = {(pending, lo, hi) for _, _, lo, hi, pending in _UTF8_LEADS}
        utf8 |= {(2, _CONT_LO, _CONT_HI), (1, _CONT_LO, _CONT_HI)}  # after a first continuation
        self.states = (
            [_State("L1", i) for i in range(len(self.lit1))]
            + [_State("V", p) for p in self.prefixes]
            + [_State("VD", v) for v in self.values]
            + [_State("L2", i) for i in range(1, len(self.lit2))]
            + [_State("B", 0), _State("B", 1), _State("ESC", 0), _State("ESC", 1)]
            # Only the "has content" variant: the empty body refuses lead bytes (below).
            + [_State("U", arg) for arg in sorted(utf8)]
            + [_State("Q"), _State("FINAL"), _State("DONE")]
        )
        self.names = [st.name for st in self.states]
        self.index = {st: i for i, st in enumerate(self.states)}

    def s(self, kind: str, arg: Any = None) -> int:
        return self.index[_State(kind, arg)]

    def before_content(self, state: int) -> bool:
        """Whether the summary has no character yet (nothing of the budget is spent)."""
        kind, arg = self.states[state]
        return kind in ("L1", "V", "VD", "L2") or (kind == "B" and not arg)

    def step_char(self, state: int, ch: str) -> tuple[int, int, int]:
        """(next state, summary chars written, committed value index + 1 or 0)."""
        kind, arg = self.states[state]
        if kind == "L1":
            if ch != self.lit1[arg]:
                return _NO
            return (self.s("L1", arg + 1) if arg + 1 < len(self.lit1) else self.s("V", "")), 0, 0
        if kind == "V":
            extended = arg + ch
            if extended in self.value_texts:
                index = self.value_texts.index(extended)
                return self.s("VD", self.values[index]), 0, index + 1
            if extended in self.prefixes:
                matches = [t for t in self.value_texts if t.startswith(extended)]
                commit = self.value_texts.index(matches[0]) + 1 if len(matches) == 1 else 0
                return self.s("V", extended), 0, commit
            return _NO
        if kind == "VD":
            return (self.s("L2", 1), 0, 0) if ch == self.lit2[0] else _NO
        if kind == "L2":
            if ch != self.lit2[arg]:
                return _NO
            return (self.s("L2", arg + 1) if arg + 1 < len(self.lit2) else self.s("B", 0)), 0, 0
        if kind == "B":
            if ch == '"':
                # An empty (or all-whitespace) summary fails validation: B0 cannot close.
                return (self.s("Q"), 0, 0) if arg else _NO
            if ch == "\\":
                return self.s("ESC", arg), 2, 0
            if ord(ch) < 0x20:
                return _NO
            if ch.isspace():
                # Leading whitespace is refused so B0 never spends budget without content.
                return (self.s("B", 1), 1, 0) if arg else _NO
            return self.s("B", 1), 1, 0
        if kind == "ESC":
            if ch in '"\\/b':
                return self.s("B", 1), 0, 0
            if ch in "fnrt":  # whitespace escapes
                return (self.s("B", 1), 0, 0) if arg else _NO
            return _NO  # \u escapes are refused: they could encode lone surrogates
        if kind == "Q":
            return (self.s("FINAL"), 0, 0) if ch == "}" else _NO
        return _NO  # U, FINAL and DONE take no characters

    def step_byte(self, state: int, byte: int) -> tuple[int, int, int]:
        if byte < 0x80:
            return self.step_char(state, chr(byte))
        kind, arg = self.states[state]
        if kind == "B" and arg:
            # Not in B0: a multi-byte character may be Unicode whitespace (U+00A0, U+3000) that
            # the validator strips, so the first summary character comes from a text token.
            for lead_lo, lead_hi, lo, hi, pending in _UTF8_LEADS:
                if lead_lo <= byte <= lead_hi:
                    return self.s("U", (pending, lo, hi)), 1, 0
            return _NO
        if kind == "U":
            pending, lo, hi = arg
            if not lo <= byte <= hi:
                return _NO
            if pending == 1:
                return self.s("B", 1), 0, 0
            return self.s("U", (pending - 1, _CONT_LO, _CONT_HI)), 0, 0
        return _NO


def _run_token(ca: _CharAutomaton, state: int, entry: VocabEntry) -> tuple[int, int, int]:
    if entry.kind == TokenKind.BYTE:
        return ca.step_byte(state, entry.byte)
    if not entry.text:
        return _NO
    chars, commit = 0, 0
    for ch in entry.text:
        state, n, c = ca.step_char(state, ch)
        if state == DEAD:
            return _NO
        chars += n
        commit = commit or c
    return state, chars, commit


def _min_finish(trans: np.ndarray, done: int, body_chars: np.ndarray | None = None,
                budget: np.ndarray | None = None) -> np.ndarray:
    """Fewest tokens from each state to DONE (Bellman-Ford on the token graph), using from each
    state only tokens that write at most `budget[state]` summary characters (all when None)."""
    big = np.int32(1 << 20)
    m = np.full(trans.shape[0], big, dtype=np.int32)
    m[done] = 0
    valid = trans != DEAD
    if budget is not None:
        valid &= body_chars <= budget[:, None]
    safe = np.where(valid, trans, done)
    for _ in range(trans.shape[0] + 1):
        candidates = np.where(valid, m[safe] + 1, big)
        new = np.minimum(m, candidates.min(axis=1))
        new[done] = 0
        if np.array_equal(new, m):
            break
        m = new
    return m


def reply_automaton(
    vocab: Sequence[VocabEntry],
    values: Sequence[int],
    max_body_chars: int,
    keys: Sequence[str] = ("sentiment", "summary"),
) -> Automaton:
    """Token tables for `{"<keys[0]>": <value>, "<keys[1]>": "<= max_body_chars>"}` + stop."""
    if max_body_chars < 1:
        raise ValueError(f"max_body_chars must be at least 1 (an empty summary fails "
                         f"validation), got {max_body_chars}")
    ca = _CharAutomaton(values, keys)
    num_states, size = len(ca.names), len(vocab)
    trans = np.full((num_states, size), DEAD, dtype=np.int32)
    body_chars = np.zeros((num_states, size), dtype=np.int32)
    commit = np.zeros((num_states, size), dtype=np.int32)

    by_first: dict[str, list[int]] = {}
    text_ids, byte_ids = [], []
    for i, entry in enumerate(vocab):
        if entry.kind == TokenKind.TEXT and entry.text:
            by_first.setdefault(entry.text[0], []).append(i)
            text_ids.append(i)
        elif entry.kind == TokenKind.BYTE:
            byte_ids.append(i)

    for state, st in enumerate(ca.states):
        if st.kind in ("FINAL", "DONE"):
            continue
        if st.kind in ("B", "ESC"):
            candidates = text_ids
        else:
            # A literal, value or UTF-8 state accepts few first characters: only try those.
            candidates = [i for ch in _first_chars(ca, state) for i in by_first.get(ch, [])]
        for i in list(candidates) + byte_ids:
            nxt, n, c = _run_token(ca, state, vocab[i])
            if nxt != DEAD:
                trans[state, i], body_chars[state, i], commit[state, i] = nxt, n, c

    final, done = ca.s("FINAL"), ca.s("DONE")
    for i, entry in enumerate(vocab):
        if entry.kind == TokenKind.STOP:
            trans[final, i] = done
        elif entry.kind == TokenKind.PAD:
            trans[done, i] = done
    # Before the summary has content nothing is spent, so the whole budget is there; after,
    # the loop may have spent it all, so the way to close must be free. With min_finish
    # counted that way, a row allowed into a state can always finish from it.
    budget = np.array([max_body_chars if ca.before_content(s) else 0
                       for s in range(num_states)], dtype=np.int32)
    return Automaton(trans, body_chars, commit, _min_finish(trans, done, body_chars, budget),
                     ca.s("L1", 0), done, ca.names, tuple(values), max_body_chars)


def _first_chars(ca: _CharAutomaton, state: int) -> list[str]:
    probe = [chr(c) for c in range(0x20, 0x7F)]
    return [ch for ch in probe if ca.step_char(state, ch)[0] != DEAD]


def free_text_automaton(vocab: Sequence[VocabEntry]) -> Automaton:
    """Unconstrained text: any text or byte token, until a stop token. Special tokens (turn
    markers, BOS, PAD) are refused, so a draft cannot contain chat-template tokens."""
    free, done = 0, 1
    size = len(vocab)
    trans = np.full((2, size), DEAD, dtype=np.int32)
    for i, entry in enumerate(vocab):
        if entry.kind in (TokenKind.TEXT, TokenKind.BYTE) and (entry.text or entry.byte >= 0):
            trans[free, i] = free
        elif entry.kind == TokenKind.STOP:
            trans[free, i] = done
        elif entry.kind == TokenKind.PAD:
            trans[done, i] = done
    zeros = np.zeros_like(trans)
    return Automaton(trans, zeros, zeros.copy(), _min_finish(trans, done), free, done,
                     ["FREE", "DONE"])
