"""Reviewers' credentials: who may sign in to the review app, and under which name.

A reviewers file is JSON, written only by `python -m review add-reviewer` and
`remove-reviewer` (atomically, mode 0600):

    {"format": "review-reviewers/1",
     "reviewers": {"ana": {"salt": "<hex>", "hash": "<hex>", "credential": "<hex>",
                           "added_at": "2026-11-25T08:00:00+00:00"}}}

Only a salted scrypt hash of each reviewer's token is kept. `credential` is a random id
that changes whenever the token does: a session remembers the id it was opened with, so
replacing or removing a reviewer ends their sessions at once, also in a running app (it
reloads the file when the file changes).

The token is what `secrets.token_urlsafe(32)` makes (256 bits). A token given by hand (the
one-reviewer start, `REVIEW_TOKEN`) must pass `token_strength_problem`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import os
import re
import secrets
import tempfile
import threading
from collections import Counter
from datetime import UTC, datetime

__all__ = ["FORMAT", "MIN_TOKEN_BITS", "Reviewers", "add_reviewer", "estimated_bits",
           "new_token", "remove_reviewer", "token_strength_problem"]

FORMAT = "review-reviewers/1"
MIN_TOKEN_BITS = 64
MIN_TOKEN_CHARS = 16
# A name shows on pages and in feedback records; it is also the user name of HTTP Basic
# auth, so no colon, no spaces, nothing a terminal or a log could misread.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
# scrypt with n=2**14, r=8 (16 MiB, about 50 ms a check): slow enough that a stolen file
# is no shortcut, fast enough for a sign-in; API calls are cached after their first check.
_SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1, "maxmem": 64 * 1024 * 1024, "dklen": 32}


def new_token() -> str:
    """A fresh reviewer token (256 random bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def _shannon(symbols) -> float:
    counts = Counter(symbols)
    total = sum(counts.values())
    return -sum(n / total * math.log2(n / total) for n in counts.values()) if total else 0.0


# Keyboard rows (US layout), so that a walk along a row ("qwertyuiop") counts as a run.
_KEY_INDEX = {ch: i for i, ch in enumerate("1234567890-=qwertyuiop[]asdfghjkl;'zxcvbnm,./")}


def estimated_bits(token: str) -> float:
    """A cautious estimate of a token's entropy: its length times the least of the bits per
    character of its character classes (lower, upper, digits, other printable), the Shannon
    entropy of its characters, and that of the steps between neighbouring characters, in code
    points and along the keyboard's rows. Repeats (`aaaa...`, `abab...`), runs (`abcdef`,
    `123456`) and keyboard walks (`qwerty`) score low; a word from a dictionary is not
    detected, which is why generated tokens are the advice."""
    if not token:
        return 0.0
    pool = (26 * any(c.islower() for c in token) + 26 * any(c.isupper() for c in token)
            + 10 * any(c.isdigit() for c in token)
            + 33 * any(not c.isalnum() for c in token))
    steps = [ord(b) - ord(a) for a, b in zip(token, token[1:], strict=False)]
    keys = [_KEY_INDEX.get(c.lower(), -100 - ord(c)) for c in token]
    key_steps = [b - a for a, b in zip(keys, keys[1:], strict=False)]
    per_char = min(math.log2(max(pool, 2)), _shannon(token),
                   _shannon(steps) if steps else 0.0, _shannon(key_steps) if steps else 0.0)
    return len(token) * per_char


def token_strength_problem(token: str) -> str | None:
    """Why `token` is too weak to guard the app (None when it is strong enough)."""
    if len(token) < MIN_TOKEN_CHARS:
        return f"a token needs at least {MIN_TOKEN_CHARS} characters (this one has {len(token)})"
    if not token.isprintable() or token != token.strip():
        return "a token must be printable, without spaces around it"
    bits = estimated_bits(token)
    if bits < MIN_TOKEN_BITS:
        return (f"a token needs about {MIN_TOKEN_BITS} bits of entropy and this one has about "
                f"{bits:.0f} (repeated or too few distinct characters); make one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`")
    return None


def check_name(name: str) -> str:
    """`name` if it may name a reviewer; a ValueError that says the rule otherwise."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ValueError("a reviewer name is 1 to 64 characters of letters, digits and . _ @ -, "
                         "starting with a letter or digit")
    return name


def _hash(token: str, salt: bytes) -> bytes:
    return hashlib.scrypt(token.encode(), salt=salt, **_SCRYPT)


def _entry(token: str) -> dict[str, str]:
    salt = secrets.token_bytes(16)
    return {"salt": salt.hex(), "hash": _hash(token, salt).hex(),
            "credential": secrets.token_hex(16),
            "added_at": datetime.now(UTC).isoformat(timespec="seconds")}


_DUMMY = _entry("not a reviewer's token, only for equal timing")


def _read(path: str) -> dict[str, dict[str, str]]:
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    if not isinstance(data, dict) or data.get("format") != FORMAT or \
            not isinstance(data.get("reviewers"), dict):
        raise ValueError(f"{path} is not a reviewers file ({FORMAT})")
    for name, entry in data["reviewers"].items():
        check_name(name)
        if not isinstance(entry, dict) or not all(
                isinstance(entry.get(k), str) for k in ("salt", "hash", "credential")):
            raise ValueError(f"{path}: reviewer {name!r} has no salt, hash and credential")
    return data["reviewers"]


def _write(path: str, reviewers: dict[str, dict[str, str]]) -> None:
    """Atomically (a temporary file renamed over the old one), readable by the owner only."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".reviewers-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"format": FORMAT, "reviewers": reviewers}, f, indent=1, sort_keys=True)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def add_reviewer(path: str, name: str, replace: bool = False) -> str:
    """Adds `name` to the reviewers file at `path` (made if missing) and returns the new
    token, which is stored only as a hash. `replace` gives an existing reviewer a new token
    (their sessions end); without it an existing name is refused."""
    check_name(name)
    reviewers = _read(path) if os.path.exists(path) else {}
    if name in reviewers and not replace:
        raise ValueError(f"{name} is already a reviewer (--replace gives them a new token)")
    token = new_token()
    reviewers[name] = _entry(token)
    _write(path, reviewers)
    return token


def remove_reviewer(path: str, name: str) -> None:
    """Removes `name`: their token stops working and their sessions end."""
    reviewers = _read(path)
    if name not in reviewers:
        raise ValueError(f"{name} is not a reviewer in {path}")
    del reviewers[name]
    _write(path, reviewers)


class Reviewers:
    """The reviewers the app accepts: from a reviewers file (re-read when it changes), or a
    single reviewer with a token held in memory (`single`)."""

    def __init__(self, path: str | None = None,
                 entries: dict[str, dict[str, str]] | None = None):
        self._path = path
        self._lock = threading.Lock()
        self._stamp = None
        self._entries = entries or {}
        if path is not None:
            self._reload()
            if not self._entries:
                raise ValueError(f"{path} names no reviewer: add one with "
                                 f"`python -m review add-reviewer NAME --reviewers {path}`")

    @classmethod
    def single(cls, name: str, token: str) -> Reviewers:
        """One reviewer, `name`, whose token is `token` (refused when weak)."""
        check_name(name)
        problem = token_strength_problem(token)
        if problem:
            raise ValueError(problem)
        return cls(entries={name: _entry(token)})

    def _reload(self) -> None:
        """Re-reads the file when its size, time or inode changed. A file that cannot be read
        any more admits nobody (it fails closed) until it is mended."""
        try:
            st = os.stat(self._path)
            stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        except OSError:
            stamp = None
        if stamp == self._stamp and stamp is not None:
            return
        self._stamp = stamp
        try:
            self._entries = _read(self._path)
        except (OSError, ValueError):
            self._entries = {}
            if stamp is None:
                raise ValueError(f"cannot read the reviewers file {self._path}") from None

    def _current(self) -> dict[str, dict[str, str]]:
        if self._path is not None:
            with self._lock:
                try:
                    self._reload()
                except ValueError:
                    self._entries = {}
        return self._entries

    def names(self) -> list[str]:
        return sorted(self._current())

    def credential(self, name: str) -> str | None:
        """The id of `name`'s current token (None: no such reviewer any more)."""
        entry = self._current().get(name)
        return entry["credential"] if entry else None

    def verify(self, name: str, token: str) -> str | None:
        """The credential id when `token` is `name`'s token, else None. An unknown name costs
        the same scrypt as a known one, so timing does not tell which names exist."""
        entry = self._current().get(name) if isinstance(name, str) else None
        salt = bytes.fromhex((entry or _DUMMY)["salt"])
        given = _hash(token if isinstance(token, str) else "", salt)
        ok = hmac.compare_digest(given, bytes.fromhex((entry or _DUMMY)["hash"]))
        return entry["credential"] if entry is not None and ok else None
