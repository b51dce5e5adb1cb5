"""Automata for constrained decoding, precomputed once per tokenizer as `[states x vocab]` tables.

The reply grammar is `{"sentiment": V, "summary": "S"}` followed by end-of-sequence, where V is
one of the allowed sentiment values and S is a JSON string body of at most N characters
(counted as written, escapes included, so the decoded summary is never longer). The grammar's
parameters are a `ReplySpec`; the pipeline's come from `pipeline.schemas.reply_constraint_spec()`,
the same definition the reply parser validates against.

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

With topics (`ReplySpec.topics`: a taxonomy's `major.minor` labels), the reply goes on after
the summary: `, "topic": "<label>"}`. The literal is character-level like the others; the label
itself is token-level: each label may be written only as one token sequence (`topic_paths`, the
tokenizer's own spelling of `label"}` in context), so the topic part costs one state per node of
that token trie, not one per character of every label, and the probability the decoder gives a
label is the product of its tokens' probabilities (`decoding`: the topic confidence).

Tables are as narrow as their values allow (`trans` int16 below 32,767 states, `body_chars`
int16, `commit` int8): they are [states x vocab], read row by row on the device.

Byte-fallback tokens (`<0xE2>`) are handled as UTF-8 bytes inside the summary, and only
well-formed sequences (Unicode Table 3-7) are allowed, so each decodes to exactly one
character; special tokens (BOS, PAD, turn markers, ...) are never allowed, except the stop
tokens once the JSON is closed.
"""

from __future__ import annotations

import enum
import numbers
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

__all__ = [
    "DEAD",
    "Automaton",
    "ReplySpec",
    "StateKind",
    "TokenKind",
    "VocabEntry",
    "free_text_automaton",
    "in_written_scripts",
    "spells_banned_word",
    "reply_automaton",
    "topic_trie",
    "vocabulary_of",
]

DEAD = -1
_BYTE_PIECE = re.compile(r"^<0x([0-9A-Fa-f]{2})>$")


class TokenKind(enum.IntEnum):
    """What a vocabulary entry is to the automaton (the values are stable: plain ints)."""

    TEXT = 0
    BYTE = 1
    SPECIAL = 2
    STOP = 3
    PAD = 4


@dataclass(frozen=True)
class VocabEntry:
    """A token as the automaton sees it: its text (or byte value) and kind."""

    text: str
    kind: TokenKind
    byte: int = -1


@dataclass(frozen=True)
class ReplySpec:
    """The reply grammar's parameters: `{"<keys[0]>": V, "<keys[1]>": "S"}` with V one of
    `sentiment_values` and S a summary of 1 to `max_summary_chars` characters (counted as
    written, escapes included).

    Raises:
        ValueError: naming the field, unless `keys` are two distinct non-empty strings,
            `sentiment_values` at least one int (not a bool) with no repeats, and
            `max_summary_chars` an int of at least 1 (an empty summary fails validation).
    """

    keys: tuple[str, str] = ("sentiment", "summary")
    sentiment_values: tuple[int, ...] = (1, 0, -1)
    max_summary_chars: int = 256
    # The labels a third field may take (`, "<topic_key>": "<label>"` before the closing
    # brace); none: the reply has no topic.
    topics: tuple[str, ...] = ()
    topic_key: str = "topic"

    def __post_init__(self):
        keys = tuple(self.keys)
        if (len(keys) != 2 or not all(isinstance(k, str) and _KEY.fullmatch(k) for k in keys)
                or keys[0] == keys[1]):
            # The literals' states are reached only through printable ASCII, and a quote or
            # backslash would need escaping in the JSON the grammar writes.
            raise ValueError(f"keys must be two distinct non-empty strings of printable ASCII "
                             f"without quotes or backslashes, got {self.keys!r}")
        values = tuple(self.sentiment_values)
        if (not values or not all(_is_int(v) for v in values)
                or len(set(values)) != len(values)):
            raise ValueError(f"sentiment_values must be at least one int (not a bool), with no "
                             f"repeats, got {self.sentiment_values!r}")
        if (not _is_int(self.max_summary_chars)
                or not 1 <= self.max_summary_chars <= _INT32_MAX):
            raise ValueError(f"max_summary_chars must be an int from 1 (an empty summary fails "
                             f"validation) to {_INT32_MAX} (the decoder counts in int32), got "
                             f"{self.max_summary_chars!r}")
        topics = tuple(self.topics)
        if (not all(isinstance(t, str) and _KEY.fullmatch(t) for t in topics)
                or len(set(topics)) != len(topics)):
            raise ValueError(f"topics must be distinct non-empty strings of printable ASCII "
                             f"without quotes or backslashes, got {self.topics!r:.200}")
        if not (isinstance(self.topic_key, str) and _KEY.fullmatch(self.topic_key)) \
                or self.topic_key in keys:
            raise ValueError(f"topic_key must be a key like the others and not one of them, "
                             f"got {self.topic_key!r}")
        # Lists (a spec read from config) become tuples, numpy ints plain ints: hashable.
        object.__setattr__(self, "topics", topics)
        object.__setattr__(self, "keys", keys)
        object.__setattr__(self, "sentiment_values", tuple(int(v) for v in values))
        object.__setattr__(self, "max_summary_chars", int(self.max_summary_chars))


_KEY = re.compile(r'[ !#-\[\]-~]+')  # printable ASCII but '"' and '\\'
_INT32_MAX = 2**31 - 1


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


@dataclass
class Automaton:
    """Token-level transition tables (numpy), plus the names of the states.

    `max_body_chars` is the summary budget the tables were built for, and the one the generate
    loop must be given: `min_finish` counts on it. Free text writes no summary characters
    (`body_chars` is all zero), so its 0 leaves every token affordable. `state_names` are for
    reading the tables while debugging.
    """

    trans: np.ndarray  # int16 or int32 [S, V]: next state or DEAD
    body_chars: np.ndarray  # int16 [S, V]: summary characters the token writes
    commit: np.ndarray  # int8 [S, V]: 0, or 1 + index of the sentiment value committed
    min_finish: np.ndarray  # int32 [S]: fewest tokens to DONE (stop emitted), within budget
    start: int
    done: int
    state_names: list[str]
    values: tuple[int, ...] = ()
    max_body_chars: int = 0
    # bool [S]: the states inside a topic label (their tokens' probabilities make the topic's
    # confidence); None: no topic (all False).
    topic_states: np.ndarray | None = None
    topics: tuple[str, ...] = ()

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


class StateKind(enum.Enum):
    """Where in the reply a character-automaton state is. The values are the short tags of
    `Automaton.state_names` (for reading a table while debugging; nothing parses them)."""

    BEFORE_VALUE_LITERAL = "L1"  # inside '{"<first key>": '
    VALUE_PREFIX = "V"  # a proper prefix of a value's text read
    VALUE_READ = "VD"  # a whole value read
    AFTER_VALUE_LITERAL = "L2"  # inside ', "<second key>": "'
    BODY = "B"  # in the summary body
    ESCAPE = "ESC"  # in the summary body, just after a backslash
    UTF8 = "U"  # in the summary body, inside a multi-byte UTF-8 character
    CLOSED_QUOTE = "Q"  # after the summary's closing quote
    TOPIC_LITERAL = "L3"  # inside ', "<topic key>": "'
    TOPIC = "T"  # at a node of the topic labels' token trie (token-level, no characters)
    FINAL = "FINAL"  # after the closing brace: only a stop token may follow
    DONE = "DONE"  # a stop token emitted: only padding follows


class _State(NamedTuple):
    """A character-automaton state: its kind, and the fields that kind uses (the others keep
    their defaults, so equal states are equal tuples)."""

    kind: StateKind
    # BEFORE_VALUE_LITERAL, AFTER_VALUE_LITERAL: characters of the literal already matched.
    position: int = 0
    # VALUE_PREFIX: the value text read so far ("" at the value's start).
    prefix: str = ""
    # VALUE_READ: the value read.
    value: int = 0
    # BODY, ESCAPE: whether the summary has a character yet (leading whitespace is refused).
    has_content: bool = False
    # UTF8: continuation bytes still due, and the range the next one must fall in.
    pending: int = 0
    lo: int = 0
    hi: int = 0
    # TOPIC: the node of the topic token trie (0: the root, before the label).
    node: int = 0

    @property
    def name(self) -> str:
        """A readable name, for debugging only."""
        tag = self.kind.value
        match self.kind:
            case StateKind.VALUE_PREFIX:
                return f"{tag}_{self.prefix!r}"
            case (StateKind.BEFORE_VALUE_LITERAL | StateKind.AFTER_VALUE_LITERAL
                  | StateKind.TOPIC_LITERAL):
                return f"{tag}_{self.position}"
            case StateKind.TOPIC:
                return f"{tag}_{self.node}"
            case StateKind.VALUE_READ:
                return f"{tag}_{self.value}"
            case StateKind.BODY | StateKind.ESCAPE:
                return f"{tag}{int(self.has_content)}"
            case StateKind.UTF8:
                return f"{tag}{self.pending}_{self.lo:02X}{self.hi:02X}"
        return tag


_NO = (DEAD, 0, 0)


class _CharAutomaton:
    """The reply grammar over characters (and UTF-8 bytes inside the summary).

    Summary characters are charged when they are opened, never later: a backslash costs the two
    characters of its escape and the escaped character nothing; a UTF-8 lead byte costs the one
    character it starts and its continuation bytes nothing. So every state inside the summary
    can close it without spending budget, and a row never writes what it cannot finish.
    """

    def __init__(self, values: Sequence[int], keys: Sequence[str], topic_key: str | None = None,
                 topic_nodes: int = 0):
        sentiment_key, summary_key = keys
        self.lit1 = '{"' + sentiment_key + '": '
        self.lit2 = ', "' + summary_key + '": "'
        # With topics: the literal after the summary, then the trie's nodes (token-level).
        self.lit3 = ', "' + topic_key + '": "' if topic_key is not None else ""
        self.values = tuple(values)
        self.value_texts = [str(v) for v in self.values]
        # Value states: one per proper prefix of a value text ("" is the value's start).
        self.prefixes = sorted({t[:k] for t in self.value_texts for k in range(len(t))})
        utf8 = {(pending, lo, hi) for _, _, lo, hi, pending in _UTF8_LEADS}
        utf8 |= {(2, _CONT_LO, _CONT_HI), (1, _CONT_LO, _CONT_HI)}  # after a first continuation
        self.states = (
            [_State(StateKind.BEFORE_VALUE_LITERAL, position=i) for i in range(len(self.lit1))]
            + [_State(StateKind.VALUE_PREFIX, prefix=p) for p in self.prefixes]
            + [_State(StateKind.VALUE_READ, value=v) for v in self.values]
            + [_State(StateKind.AFTER_VALUE_LITERAL, position=i)
               for i in range(1, len(self.lit2))]
            + [_State(kind, has_content=content)
               for kind in (StateKind.BODY, StateKind.ESCAPE) for content in (False, True)]
            # Only the "has content" variant: the empty body refuses lead bytes (below).
            + [_State(StateKind.UTF8, pending=pending, lo=lo, hi=hi)
               for pending, lo, hi in sorted(utf8)]
            + [_State(StateKind.CLOSED_QUOTE), _State(StateKind.FINAL), _State(StateKind.DONE)]
            + [_State(StateKind.TOPIC_LITERAL, position=i) for i in range(1, len(self.lit3))]
            + [_State(StateKind.TOPIC, node=n) for n in range(topic_nodes)]
        )
        self.names = [st.name for st in self.states]
        self.index = {st: i for i, st in enumerate(self.states)}
        self._steps: dict[tuple[int, str], tuple[int, int, int]] = {}

    def s(self, kind: StateKind, **fields) -> int:
        """The index of the state of this kind with these fields."""
        return self.index[_State(kind, **fields)]

    def before_content(self, state: int) -> bool:
        """Whether the summary has no character yet (nothing of the budget is spent)."""
        st = self.states[state]
        return st.kind in (StateKind.BEFORE_VALUE_LITERAL, StateKind.VALUE_PREFIX,
                           StateKind.VALUE_READ, StateKind.AFTER_VALUE_LITERAL) or (
            st.kind is StateKind.BODY and not st.has_content)

    def step_char(self, state: int, ch: str) -> tuple[int, int, int]:
        """(next state, summary chars written, committed value index + 1 or 0), memoised: a
        large vocabulary walks the same (state, character) pairs millions of times."""
        key = (state, ch)
        step = self._steps.get(key)
        if step is None:
            step = self._steps[key] = self._step_char(state, ch)
        return step

    def _step_char(self, state: int, ch: str) -> tuple[int, int, int]:
        """(next state, summary chars written, committed value index + 1 or 0)."""
        st = self.states[state]
        match st.kind:
            case StateKind.BEFORE_VALUE_LITERAL:
                if ch != self.lit1[st.position]:
                    return _NO
                if st.position + 1 < len(self.lit1):
                    return self.s(StateKind.BEFORE_VALUE_LITERAL, position=st.position + 1), 0, 0
                return self.s(StateKind.VALUE_PREFIX, prefix=""), 0, 0
            case StateKind.VALUE_PREFIX:
                extended = st.prefix + ch
                if extended in self.value_texts:
                    index = self.value_texts.index(extended)
                    return self.s(StateKind.VALUE_READ, value=self.values[index]), 0, index + 1
                if extended in self.prefixes:
                    matches = [t for t in self.value_texts if t.startswith(extended)]
                    commit = self.value_texts.index(matches[0]) + 1 if len(matches) == 1 else 0
                    return self.s(StateKind.VALUE_PREFIX, prefix=extended), 0, commit
                return _NO
            case StateKind.VALUE_READ:
                if ch != self.lit2[0]:
                    return _NO
                return self.s(StateKind.AFTER_VALUE_LITERAL, position=1), 0, 0
            case StateKind.AFTER_VALUE_LITERAL:
                if ch != self.lit2[st.position]:
                    return _NO
                if st.position + 1 < len(self.lit2):
                    return self.s(StateKind.AFTER_VALUE_LITERAL, position=st.position + 1), 0, 0
                return self.s(StateKind.BODY, has_content=False), 0, 0
            case StateKind.BODY:
                if ch == '"':
                    # An empty (or all-whitespace) summary fails validation: it cannot close.
                    return (self.s(StateKind.CLOSED_QUOTE), 0, 0) if st.has_content else _NO
                if ch == "\\":
                    return self.s(StateKind.ESCAPE, has_content=st.has_content), 2, 0
                if ord(ch) < 0x20:
                    return _NO
                if ch.isspace() and not st.has_content:
                    # Leading whitespace is refused, so an empty body never spends budget.
                    return _NO
                return self.s(StateKind.BODY, has_content=True), 1, 0
            case StateKind.ESCAPE:
                if ch in '"\\/b':
                    return self.s(StateKind.BODY, has_content=True), 0, 0
                if ch in "fnrt":  # whitespace escapes
                    if not st.has_content:
                        return _NO
                    return self.s(StateKind.BODY, has_content=True), 0, 0
                return _NO  # \u escapes are refused: they could encode lone surrogates
            case StateKind.CLOSED_QUOTE:
                if self.lit3:
                    return (self.s(StateKind.TOPIC_LITERAL, position=1), 0, 0) \
                        if ch == self.lit3[0] else _NO
                return (self.s(StateKind.FINAL), 0, 0) if ch == "}" else _NO
            case StateKind.TOPIC_LITERAL:
                if ch != self.lit3[st.position]:
                    return _NO
                if st.position + 1 < len(self.lit3):
                    return self.s(StateKind.TOPIC_LITERAL, position=st.position + 1), 0, 0
                return self.s(StateKind.TOPIC, node=0), 0, 0
        return _NO  # UTF8, TOPIC, FINAL and DONE take no characters

    def step_byte(self, state: int, byte: int) -> tuple[int, int, int]:
        if byte < 0x80:
            return self.step_char(state, chr(byte))
        st = self.states[state]
        match st.kind:
            case StateKind.BODY if st.has_content:
                # Not in an empty body: a multi-byte character may be Unicode whitespace
                # (U+00A0, U+3000) that the validator strips, so the first summary character
                # comes from a text token.
                for lead_lo, lead_hi, lo, hi, pending in _UTF8_LEADS:
                    if lead_lo <= byte <= lead_hi:
                        return self.s(StateKind.UTF8, pending=pending, lo=lo, hi=hi), 1, 0
                return _NO
            case StateKind.UTF8:
                if not st.lo <= byte <= st.hi:
                    return _NO
                if st.pending == 1:
                    return self.s(StateKind.BODY, has_content=True), 0, 0
                return self.s(StateKind.UTF8, pending=st.pending - 1, lo=_CONT_LO,
                              hi=_CONT_HI), 0, 0
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
                budget: np.ndarray | None = None,
                floor: np.ndarray | None = None) -> np.ndarray:
    """Fewest tokens from each state to DONE (Bellman-Ford on the token graph), using from each
    state only tokens that write at most `budget[state]` summary characters (all when None),
    and never fewer than `floor[state]` (the topic trie's nodes: the LONGEST label below them,
    so a row enters the topic with room for every label, not only the shortest)."""
    big = np.int32(1 << 20)
    m = np.full(trans.shape[0], big, dtype=np.int32)
    m[done] = 0
    if floor is not None:
        m = np.maximum(m, floor).astype(np.int32)
    valid = trans != DEAD
    if budget is not None:
        valid &= body_chars <= budget[:, None]
    safe = np.where(valid, trans, done)
    for _ in range(trans.shape[0] + 1):
        candidates = np.where(valid, m[safe] + 1, big)
        new = np.minimum(m, candidates.min(axis=1))
        new[done] = 0
        if floor is not None:
            new = np.maximum(new, floor).astype(np.int32)
        if np.array_equal(new, m):
            break
        m = new
    return m


def topic_trie(vocab: Sequence[VocabEntry], topics: Sequence[str],
               topic_paths: Sequence[Sequence[int]]) -> list[dict[int, int]]:
    """The token trie of the topic labels: `children[node][token] = child node`, or -1 where
    the token ends a label (its path's last token, which writes the closing `"}`). A path is
    text tokens, or byte tokens of ASCII (a small vocabulary spells some characters so).

    Raises:
        ValueError: a path that does not spell `label"}` in text tokens, or a label's path that
            runs on through another's end.
    """
    if len(topic_paths) != len(topics):
        raise ValueError(f"{len(topics)} topics but {len(topic_paths)} token paths")
    children: list[dict[int, int]] = [{}]

    def spelled(token: int) -> bytes:
        entry = vocab[token]
        return entry.text.encode("utf-8") if entry.kind == TokenKind.TEXT else bytes([entry.byte])

    for label, path in zip(topics, topic_paths, strict=True):
        path = [int(t) for t in path]
        if not path or not all(0 <= t < len(vocab) and (
                vocab[t].kind == TokenKind.TEXT or (vocab[t].kind == TokenKind.BYTE
                                                    and 0 <= vocab[t].byte < 0x80))
                               for t in path):
            raise ValueError(f"topic {label!r}: its path must be text (or ASCII byte) tokens "
                             "of the vocabulary")
        written = b"".join(spelled(t) for t in path)
        if written != (label + '"}').encode("utf-8"):
            raise ValueError(f"topic {label!r}: its tokens spell {written!r}, not "
                             f"{label + chr(34)}}}")
        node = 0
        for k, token in enumerate(path):
            last = k == len(path) - 1
            child = children[node].get(token)
            if last:
                if child is not None:
                    raise ValueError(f"topic {label!r}: its path is a prefix of another's")
                children[node][token] = -1
                break
            if child == -1:
                raise ValueError(f"topic {label!r}: another label's path is a prefix of its")
            if child is None:
                child = children[node][token] = len(children)
                children.append({})
            node = child
    return children


def _longest_paths(children: list[dict[int, int]]) -> list[int]:
    """Per trie node, the most tokens to the end of a label below it."""
    longest = [0] * len(children)
    for node in reversed(range(len(children))):  # children are numbered after parents
        longest[node] = max((1 + (0 if c == -1 else longest[c]) for c in children[node].values()),
                            default=0)
    return longest


def _narrow(array: np.ndarray, dtype) -> np.ndarray:
    info = np.iinfo(dtype)
    if array.size and (array.min() < info.min or array.max() > info.max):
        return array
    return array.astype(dtype)


def reply_automaton(vocab: Sequence[VocabEntry], spec: ReplySpec,
                    topic_paths: Sequence[Sequence[int]] | None = None) -> Automaton:
    """Token tables for `spec`'s reply, `{"<keys[0]>": <value>, "<keys[1]>": "<summary>"}`
    (with topics, then `, "<topic_key>": "<label>"` written as `topic_paths[i]`, the token ids
    of `label"}` for `spec.topics[i]`), followed by a stop token.

    Raises:
        ValueError: topics without their paths, or paths that do not spell them
            (`topic_trie`).
    """
    if not isinstance(spec, ReplySpec):
        raise TypeError(f"spec must be a ReplySpec, got {type(spec).__name__}")
    values, max_body_chars = spec.sentiment_values, spec.max_summary_chars
    trie: list[dict[int, int]] = []
    if spec.topics:
        if topic_paths is None:
            raise ValueError("a reply with topics needs the token path of each label")
        trie = topic_trie(vocab, spec.topics, topic_paths)
    ca = _CharAutomaton(values, spec.keys, spec.topic_key if spec.topics else None, len(trie))
    num_states, size = len(ca.names), len(vocab)
    trans = np.full((num_states, size), DEAD,
                    dtype=np.int16 if num_states < np.iinfo(np.int16).max else np.int32)
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
        if st.kind in (StateKind.FINAL, StateKind.DONE, StateKind.TOPIC):
            continue
        if st.kind in (StateKind.BODY, StateKind.ESCAPE):
            candidates = text_ids
        else:
            # A literal, value or UTF-8 state accepts few first characters: only try those.
            candidates = [i for ch in _first_chars(ca, state) for i in by_first.get(ch, [])]
        for i in list(candidates) + byte_ids:
            nxt, n, c = _run_token(ca, state, vocab[i])
            if nxt != DEAD:
                trans[state, i], body_chars[state, i], commit[state, i] = nxt, n, c

    final, done = ca.s(StateKind.FINAL), ca.s(StateKind.DONE)
    for node, kids in enumerate(trie):
        for token, child in kids.items():
            trans[ca.s(StateKind.TOPIC, node=node), token] = \
                final if child == -1 else ca.s(StateKind.TOPIC, node=child)
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
    topic_states = np.array([st.kind is StateKind.TOPIC for st in ca.states], dtype=bool)
    # Each trie node needs room for its longest label (then the stop token): the budget must
    # never narrow the choice of label, or the confidence would be over the labels left.
    floor = np.zeros(num_states, dtype=np.int32)
    longest = _longest_paths(trie)
    for node, length in enumerate(longest):
        floor[ca.s(StateKind.TOPIC, node=node)] = length + 1
    return Automaton(trans, _narrow(body_chars, np.int16), _narrow(commit, np.int8),
                     _min_finish(trans, done, body_chars, budget, floor if trie else None),
                     ca.s(StateKind.BEFORE_VALUE_LITERAL, position=0), done, ca.names, values,
                     max_body_chars, topic_states, spec.topics)


def _first_chars(ca: _CharAutomaton, state: int) -> list[str]:
    probe = [chr(c) for c in range(0x20, 0x7F)]
    return [ch for ch in probe if ca.step_char(state, ch)[0] != DEAD]


# Free text keeps to the scripts the product writes (English and Korean): ASCII, Latin letters
# with diacritics, general punctuation and currency signs, Hangul (syllables and jamo). A small
# model otherwise drifts into tokens of other scripts mid-draft.
_WRITTEN_SCRIPTS = re.compile(
    "[\\s\\x20-\\x7e\\u00a0-\\u024f\\u2000-\\u206f\\u20a0-\\u20cf\\u1100-\\u11ff"
    "\\u3130-\\u318f\\uac00-\\ud7a3]*")


def in_written_scripts(text: str) -> bool:
    """Whether every character of `text` is of a script the product writes."""
    return _WRITTEN_SCRIPTS.fullmatch(text) is not None


def spells_banned_word(text: str, banned_words: Sequence[str]) -> bool:
    """Whether a token's text is one of `banned_words` as a word, whatever its case, with or
    without a leading space, a plural `s` or a possessive (" Customer's", "clients")."""
    word = _WORD_FORMS.sub("", text.strip().lower())
    return bool(word) and word in banned_words


_WORD_FORMS = re.compile(r"(?:'s|s'|s)?[.,;:!?]*$")


def free_text_automaton(vocab: Sequence[VocabEntry], scripts_only: bool = True,
                        banned_words: Sequence[str] = ()) -> Automaton:
    """Unconstrained text: any text or byte token, until a stop token. Special tokens (turn
    markers, BOS, PAD) are refused, so a draft cannot contain chat-template tokens; with
    `scripts_only`, so are text tokens with a character outside `in_written_scripts` (byte
    tokens stay: they spell rare Hangul syllables); so are tokens that spell one of
    `banned_words` (lower case, singular: `spells_banned_word`)."""
    free, done = 0, 1
    size = len(vocab)
    banned = tuple(w.lower() for w in banned_words)
    trans = np.full((2, size), DEAD, dtype=np.int32)
    for i, entry in enumerate(vocab):
        if entry.kind == TokenKind.TEXT and scripts_only and not in_written_scripts(entry.text):
            continue
        if entry.kind == TokenKind.TEXT and banned and spells_banned_word(entry.text, banned):
            continue
        if entry.kind in (TokenKind.TEXT, TokenKind.BYTE) and (entry.text or entry.byte >= 0):
            trans[free, i] = free
        elif entry.kind == TokenKind.STOP:
            trans[free, i] = done
        elif entry.kind == TokenKind.PAD:
            trans[done, i] = done
    zeros = np.zeros_like(trans)
    return Automaton(trans, zeros, zeros.copy(), _min_finish(trans, done), free, done,
                     ["FREE", "DONE"], max_body_chars=0)
