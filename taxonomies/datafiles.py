"""Reading the project's JSON data files (taxonomies, prompt versions) strictly: a key written
twice in one object is an error, not a silent "the last one wins" as `json.load` does."""

import json

__all__ = ["DuplicateKeyError", "read_json_object"]


class DuplicateKeyError(ValueError):
    """A JSON object names one key twice."""


def _no_duplicates(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise DuplicateKeyError(f"key {key!r} appears twice in one object")
        seen[key] = value
    return seen


def read_json_object(path: str) -> dict:
    """The JSON object in `path` (UTF-8).

    Raises:
        FileNotFoundError: no such file.
        OSError: it cannot be read.
        ValueError: not JSON, a duplicate key (`DuplicateKeyError`), or not an object.
    """
    with open(path, encoding="utf-8") as f:
        try:
            data = json.load(f, object_pairs_hook=_no_duplicates)
        except RecursionError:
            raise ValueError(f"{path}: JSON nested too deeply") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path} is not a JSON object")
    return data
