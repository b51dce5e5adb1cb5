"""File digests: what a run, a model or a tuning record says it was made from."""

from __future__ import annotations

import hashlib

__all__ = ["sha256_file"]


def sha256_file(path: str) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()
