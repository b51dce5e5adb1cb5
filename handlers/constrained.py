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
carried in the generate loop, checked against `body_chars`. `min_finish[state]` is the fewest
tokens that reach end-of-sequence from a state, so the loop can always close the JSON before
its token budget runs out.

Byte-fallback tokens (`<0xE2>`) are handled as UTF-8 bytes inside the summary; special tokens
(BOS, PAD, turn markers, ...) are never allowed, except the stop tokens once the JSON is closed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

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
    min_finish: np.ndarray  # int32 [S]: fewest tokens to reach DONE (end-of-sequence emitted)
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


class _CharAutomaton:
    """The reply grammar over characters (and UTF-8 bytes inside the summary)."""

    def __init__(self, values: Sequence[int], keys: Sequence[str]):
        sentiment_key, summary_key = keys
        self.lit1 = '{"' + sentiment_key + '": '
        self.lit2 = ', "' + summary_key + '": "'
        self.values = tuple(values)
        self.value_texts = [str(v) for v in self.values]
        names = [f"L1_{i}" for i in range(len(self.lit1))]
        # Value states: one per proper prefix of a value text ("" is V_START).
        self.prefixes = sorted({t[:k] for t in self.value_texts for k in range(len(t))})
        names += [f"V_{p!r}" for p in self.prefixes]
        names += [f"VD_{v}" for v in self.values]
        names += [f"L2_{i}" for i in range(1, len(self.lit2))]
        names += ["B0", "B1", "ESC0", "ESC1"]
        names += [f"U{k}_{c}" for k in (1, 2, 3) for c in (0, 1)]
        names += ["Q", "FINAL", "DONE"]
        self.names = names
        self.index = {n: i for i, n in enumerate(names)}
        self.prefix_of = {self.index[f"V_{p!r}"]: p for p in self.prefixes}

    def s(self, name: str) -> int:
        return self.index[name]

    def body(self, content: int) -> int:
        return self.s(f"B{content}")

    def step_char(self, state: int, ch: str) -> tuple[int, int, int]:
        """(next state, summary chars written, committed value index + 1 or 0)."""
        name = self.names[state]
        if name.startswith("L1_"):
            i = int(name[3:])
            if ch != self.lit1[i]:
                return DEAD, 0, 0
            return (self.s(f"L1_{i + 1}") if i + 1 < len(self.lit1)
                    else self.s("V_''")), 0, 0
        if name.startswith("V_"):
            extended = self.prefix_of[state] + ch
            if extended in self.value_texts:
                return self.s(f"VD_{int(extended)}"), 0, self.value_texts.index(extended) + 1
            if extended in self.prefixes:
                matches = [t for t in self.value_texts if t.startswith(extended)]
                commit = self.value_texts.index(matches[0]) + 1 if len(matches) == 1 else 0
                return self.s(f"V_{extended!r}"), 0, commit
            return DEAD, 0, 0
        if name.startswith("VD_"):
            return (self.s("L2_1"), 0, 0) if ch == self.lit2[0] else (DEAD, 0, 0)
        if name.startswith("L2_"):
            i = int(name[3:])
            if ch != self.lit2[i]:
                return DEAD, 0, 0
            return (self.s(f"L2_{i + 1}") if i + 1 < len(self.lit2) else self.s("B0")), 0, 0
        if name in ("B0", "B1"):
            content = int(name[1])
            if ch == '"':
                # An empty (or all-whitespace) summary fails validation: B0 cannot close.
                return (self.s("Q"), 0, 0) if content else (DEAD, 0, 0)
            if ch == "\\":
                return self.s(f"ESC{content}"), 1, 0
            if ord(ch) < 0x20:
                return DEAD, 0, 0
            if ch.isspace():
                # Leading whitespace is refused so B0 never spends budget without content.
                return (self.s("B1"), 1, 0) if content else (DEAD, 0, 0)
            return self.s("B1"), 1, 0
        if name in ("ESC0", "ESC1"):
            content = int(name[3])
            if ch in '"\\/b':
                return self.s("B1"), 1, 0
            if ch in "fnrt":  # whitespace escapes
                return (self.s("B1"), 1, 0) if content else (DEAD, 0, 0)
            return DEAD, 0, 0  # \u escapes are refused: they could encode lone surrogates
        if name == "Q":
            return (self.s("FINAL"), 0, 0) if ch == "}" else (DEAD, 0, 0)
        return DEAD, 0, 0  # U*, FINAL, DONE take no characters

    def step_byte(self, state: int, byte: int) -> tuple[int, int, int]:
        name = self.names[state]
        if byte < 0x80:
            return self.step_char(state, chr(byte))
        if name == "B1":
            for lead_lo, lead_hi, pending in ((0xC2, 0xDF, 1), (0xE0, 0xEF, 2), (0xF0, 0xF4, 3)):
                if lead_lo <= byte <= lead_hi:
                    return self.s(f"U{pending}_1"), 1, 0
            return DEAD, 0, 0
        if name.startswith("U") and 0x80 <= byte <= 0xBF:
            pending, content = int(name[1]), int(name[3])
            nxt = self.body(content) if pending == 1 else self.s(f"U{pending - 1}_{content}")
            return nxt, 0, 0
        return DEAD, 0, 0


def _run_token(ca: _CharAutomaton, state: int, entry: VocabEntry) -> tuple[int, int, int]:
    if entry.kind == TokenKind.BYTE:
        return ca.step_byte(state, entry.byte)
    if not entry.text:
        return DEAD, 0, 0
    chars, commit = 0, 0
    for ch in entry.text:
        state, n, c = ca.step_char(state, ch)
        if state == DEAD:
            return DEAD, 0, 0
        chars += n
        commit = commit or c
    return state, chars, commit


def _min_finish(trans: np.ndarray, done: int) -> np.ndarray:
    """Fewest tokens from each state to DONE (Bellman-Ford on the token graph)."""
    big = np.int32(1 << 20)
    m = np.full(trans.shape[0], big, dtype=np.int32)
    m[done] = 0
    valid = trans != DEAD
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
    body_states = {ca.s(n) for n in ("B0", "B1", "ESC0", "ESC1")}

    for state, name in enumerate(ca.names):
        if name in ("FINAL", "DONE"):
            continue
        if state in body_states:
            candidates = text_ids
        else:
            # A literal or value state accepts few first characters: only try those tokens.
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
    return Automaton(trans, body_chars, commit, _min_finish(trans, done), ca.s("L1_0"), done,
                     ca.names, tuple(values), max_body_chars)


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
