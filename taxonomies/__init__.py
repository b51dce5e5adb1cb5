"""Topic taxonomies, as data: `taxonomies/<name>.json` (major -> minor categories, each with
English and Korean names and a one-line description), chosen with `--taxonomy NAME` (or a
path to such a file). A chat's topic is one label `major.minor`: the main reason the customer
got in touch. The reply grammar allows exactly these labels (`handlers.constrained`), the
prompt lists them (`prompts.render`), tuning and `make eval` read labels in this form.
"""

import functools
import os
import re

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from taxonomies.datafiles import PLAIN_NAME, read_data_file

DEFAULT_TAXONOMY = "customer_support"
TAXONOMIES_DIR = os.path.dirname(os.path.abspath(__file__))

# A category key: lower-case ASCII words joined by `_` (written as is into the JSON reply and
# the prompt, so no quote, backslash, dot or space).
_KEY = re.compile(r"[a-z][a-z0-9_]{0,39}")
# Every label is listed in the sentiment prompt and is a path of the grammar's topic trie: a
# taxonomy far beyond a support team's few dozen labels would crowd out the chat itself.
MAX_LABELS = 100


class TaxonomyError(ValueError):
    """A taxonomy that is missing or malformed."""


def _checked_keys(categories: dict, kind: str) -> dict:
    for key in categories:
        if not _KEY.fullmatch(key):
            raise ValueError(f"{kind} key {key!r} must match {_KEY.pattern}")
    return categories


class _Named(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    en: str = Field(min_length=1, max_length=80)
    ko: str = Field(min_length=1, max_length=80)
    description: str = Field(min_length=1, max_length=300)


class Minor(_Named):
    pass


class Major(_Named):
    minors: dict[str, Minor] = Field(min_length=1)

    @field_validator("minors")
    @classmethod
    def _keys(cls, minors):
        return _checked_keys(minors, "minor")


class Taxonomy(BaseModel):
    """A checked taxonomy file. `labels` are its `major.minor` labels in file order."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=f"^{PLAIN_NAME.pattern}$")
    description: str = Field(min_length=1, max_length=500)
    majors: dict[str, Major] = Field(min_length=1)

    @field_validator("majors")
    @classmethod
    def _keys(cls, majors):
        return _checked_keys(majors, "major")

    @model_validator(mode="after")
    def _few_enough_labels(self):
        if len(self.labels) > MAX_LABELS:
            raise ValueError(f"{len(self.labels)} labels, more than {MAX_LABELS}: a prompt "
                             "lists them all")
        return self

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(f"{major}.{minor}" for major, spec in self.majors.items()
                     for minor in spec.minors)

    def split(self, label: str) -> tuple[str, str]:
        """`(major, minor)` of one of this taxonomy's labels.

        Raises:
            ValueError: not one of `labels`.
        """
        major, _, minor = label.partition(".")
        if major not in self.majors or minor not in self.majors[major].minors:
            raise ValueError(f"topic {label!r} is not a label of taxonomy {self.name}")
        return major, minor

    def label_of(self, topic: object) -> str:
        """The label of a `{"major": M, "minor": m}` object (how data files write a topic).

        Raises:
            ValueError: not such an object, or not a label of this taxonomy.
        """
        if not isinstance(topic, dict) or set(topic) != {"major", "minor"} or not all(
                isinstance(v, str) for v in topic.values()):
            raise ValueError(f'topic must be {{"major": str, "minor": str}}, got {topic!r:.80}')
        label = f"{topic['major']}.{topic['minor']}"
        self.split(label)
        return label


def taxonomy_path(name_or_path: str) -> str:
    """A name (`customer_support`) resolves to `taxonomies/<name>.json`; anything ending in
    `.json` is a path."""
    if name_or_path.endswith(".json"):
        return name_or_path
    if not PLAIN_NAME.fullmatch(name_or_path or ""):
        raise TaxonomyError(f"taxonomy {name_or_path!r} is neither a plain name nor a .json path")
    return os.path.join(TAXONOMIES_DIR, f"{name_or_path}.json")


@functools.cache
def load_taxonomy(name_or_path: str = DEFAULT_TAXONOMY) -> Taxonomy:
    """Reads and checks a taxonomy.

    Raises:
        TaxonomyError: the file is missing, not JSON, or not a valid taxonomy (the message
            names the field).
    """
    path = taxonomy_path(name_or_path)
    data = read_data_file(path, "taxonomy", name_or_path, available_taxonomies, TaxonomyError)
    try:
        return Taxonomy.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise TaxonomyError(f"taxonomy {path}: {where}: {first['msg']}") from e


def available_taxonomies() -> list[str]:
    return sorted(n[:-5] for n in os.listdir(TAXONOMIES_DIR) if n.endswith(".json"))


def prompt_topics(prompt_set, taxonomy: str = DEFAULT_TAXONOMY) -> tuple[str, ...]:
    """The topic labels a prompt version's replies carry: the taxonomy's when the version
    asks for a topic (`prompts.PromptSet.asks_topic`), none otherwise."""
    return load_taxonomy(taxonomy).labels if prompt_set.asks_topic else ()
