"""Reading the project's JSON data files (taxonomies, prompt versions) strictly: a key written
twice in one object is an error, not a silent "the last one wins" as `json.load` does."""

import json
import re
from collections.abc import Callable

__all__ = ["PLAIN_NAME", "DuplicateKeyError", "read_data_file", "read_json_object"]

# A data file's name as a flag gives it (`--taxonomy`, `--prompt_version`): no path in it.
PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


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


def read_data_file(path: str, kind: str, name: str, known: Callable[[], list[str]],
                   error: type[ValueError]) -> dict:
    """`read_json_object(path)` for the data file `name` of a `kind` ("taxonomy", "prompt
    version"), its failures raised as `error` naming the file: missing (with the `known`
    names), unreadable, not JSON, a key twice, not an object."""
    try:
        return read_json_object(path)
    except FileNotFoundError as e:
        raise error(f"no {kind} {name!r} (looked for {path}); known: {known()}") from e
    except (OSError, ValueError) as e:
        raise error(f"{kind} {name}: cannot read {path}: {type(e).__name__}: {e}") from e
