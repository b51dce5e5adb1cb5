"""Checks that held-out chats share no phrasing with the training chats.

An overlap is a run of 6 words (any language) or, for chats containing Hangul, 12 characters
(whitespace and punctuation removed, so the run may cross word boundaries) that occurs in both an
evaluation chat and a training chat. Speaker prefixes (`id 221:`) are dropped first and text is
lower-cased, so ids and capitalisation cannot hide a copied sentence.

    python tuning/data/check_overlap.py                      # train.jsonl vs samples/eval.jsonl
    python tuning/data/check_overlap.py --also samples/chats.jsonl   # report, not fail, on more

Exit status 1 when the evaluation set overlaps the training set.
"""

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORDS = 6
CHARS = 12
_SPEAKER = re.compile(r"(^|\n)id \d+:")
_HANGUL = re.compile("[가-힣]")


def read_chats(path):
    """(label, chat text) for every JSON line with a string chat_message; other lines skipped."""
    out = []
    for n, raw in enumerate(Path(path).read_bytes().splitlines(), 1):
        try:
            row = json.loads(raw.decode("utf-8"))
        except ValueError:  # includes UnicodeDecodeError: samples/chats.jsonl has bad lines
            continue
        if isinstance(row, dict) and isinstance(row.get("chat_message"), str):
            out.append((f"{Path(path).name}:{row.get('id', n)}", row["chat_message"]))
    return out


def _text(chat):
    return _SPEAKER.sub(" ", chat).lower()


def word_grams(chat):
    words = re.findall(r"[\w']+", _text(chat))
    return {" ".join(words[i:i + WORDS]) for i in range(len(words) - WORDS + 1)}


def char_grams(chat):
    """12-character runs (letters and digits only) that contain Hangul; empty for other chats."""
    if not _HANGUL.search(chat):
        return set()
    s = "".join(re.findall(r"\w", _text(chat)))
    return {s[i:i + CHARS] for i in range(len(s) - CHARS + 1) if _HANGUL.search(s[i:i + CHARS])}


def overlaps(train, held_out):
    """Yields (held-out label, kind, shared sequence) for every shared sequence."""
    index_w, index_c = set(), set()
    for _, chat in train:
        index_w |= word_grams(chat)
        index_c |= char_grams(chat)
    for label, chat in held_out:
        for g in sorted(word_grams(chat) & index_w):
            yield label, f"{WORDS} words", g
        for g in sorted(char_grams(chat) & index_c):
            yield label, f"{CHARS} chars", g


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", default=str(ROOT / "tuning/data/train.jsonl"))
    ap.add_argument("--eval", default=str(ROOT / "samples/eval.jsonl"))
    ap.add_argument("--also", nargs="*", default=[],
                    help="more files to compare with the training set; reported, never fatal")
    args = ap.parse_args(argv)
    train = read_chats(args.train)
    held = read_chats(args.eval)
    found = list(overlaps(train, held))
    chats = sorted({label for label, _, _ in found})
    print(f"{len(held)} eval chats vs {len(train)} training chats: {len(found)} overlaps "
          f"in {len(chats)} chats")
    for label, kind, g in found:
        print(f"  {label} [{kind}] {g!r}")
    for extra in args.also:
        more = list(overlaps(train, read_chats(extra)))
        print(f"(report only) {extra} vs training chats: {len(more)} overlaps")
        for label, kind, g in more:
            print(f"  {label} [{kind}] {g!r}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
