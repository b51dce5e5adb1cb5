"""The topic task: the taxonomy file, the grammar's topic labels (token-level), the reply
parser, the prompt's topic list and the training targets."""

import json

import numpy as np
import pytest

from handlers.constrained import (
    DEAD,
    ReplySpec,
    TokenKind,
    VocabEntry,
    reply_automaton,
    topic_trie,
)
from pipeline.elements import parse_reply, topic_fields
from pipeline.schemas import reply_constraint_spec
from prompts import load_prompt_set, render_sentiment_prompt
from prompts.render import render_topics
from taxonomies import TaxonomyError, load_taxonomy, prompt_topics

TEXTS = ['{"', "sentiment", '":', " ", "-", "1", "0", ",", ' "', "summary", '"', "}", '"}',
         "ok", "topic", "a", ".", "x", "y", "xy", 'x"}', 'y"}', '"},', "b", "ab"]
VOCAB = ([VocabEntry("", TokenKind.PAD), VocabEntry("", TokenKind.STOP),
          VocabEntry("", TokenKind.SPECIAL)]
         + [VocabEntry(t, TokenKind.TEXT) for t in TEXTS])
ID = {t: i + 3 for i, t in enumerate(TEXTS)}
TOPICS = ("a.x", "a.y", "b.x")
# One spelling per label: `label"}` as tokens.
PATHS = [[ID["a"], ID["."], ID['x"}']], [ID["a"], ID["."], ID['y"}']],
         [ID["b"], ID["."], ID["x"], ID['"}']]]
HEAD = ['{"', "sentiment", '":', " ", "1", ",", ' "', "summary", '":', " ", '"', "ok", '"']
LITERAL = [",", ' "', "topic", '":', " ", '"']


@pytest.fixture(scope="module")
def auto():
    return reply_automaton(VOCAB, ReplySpec(max_summary_chars=8, topics=TOPICS), PATHS)


def _walk(auto, tokens):
    state, visited = auto.start, []
    for t in tokens:
        state = int(auto.trans[state, t])
        if state == DEAD:
            return DEAD, visited
        visited.append(state)
    return state, visited


def _ids(texts):
    return [ID[t] for t in texts]


@pytest.mark.parametrize("label,path", list(zip(TOPICS, PATHS, strict=True)))
def test_every_label_written_as_its_path_reaches_done(auto, label, path):
    state, visited = _walk(auto, _ids(HEAD + LITERAL) + path + [1])
    assert state == auto.done
    # Every token of the label is chosen in a topic state (the trie's root, then its inner
    # nodes: their probabilities make the confidence); the literal's are not, nor FINAL.
    topic_steps = [s for s in visited if auto.topic_states[s]]
    assert len(topic_steps) == len(path)
    assert not auto.topic_states[visited[len(HEAD + LITERAL) - 2]]


def test_only_the_taxonomys_labels_and_only_their_spelling_are_allowed(auto):
    state, _ = _walk(auto, _ids(HEAD + LITERAL))
    assert state != DEAD
    allowed = {VOCAB[t].text for t in np.flatnonzero(auto.trans[state] != DEAD)}
    assert allowed == {"a", "b"}  # not "ab", nor "x": no label starts so
    after_a, _ = _walk(auto, _ids(HEAD + LITERAL + ["a", "."]))
    assert {VOCAB[t].text for t in np.flatnonzero(auto.trans[after_a] != DEAD)} == {'x"}', 'y"}'}
    # "b.x" is spelled b . x "}: the fused 'x"}' is another spelling, refused.
    after_b, _ = _walk(auto, _ids(HEAD + LITERAL + ["b", "."]))
    assert {VOCAB[t].text for t in np.flatnonzero(auto.trans[after_b] != DEAD)} == {"x"}


def test_a_reply_cannot_close_before_its_topic(auto):
    state, _ = _walk(auto, _ids(HEAD + ["}"]))
    assert state == DEAD
    state, _ = _walk(auto, _ids(HEAD[:-1] + ['"}']))
    assert state == DEAD


def test_the_shortest_finish_counts_the_topic(auto):
    without = reply_automaton(VOCAB, ReplySpec(max_summary_chars=8))
    # The literal (6 tokens here at the least) and the shortest label (3 tokens).
    assert auto.min_finish[auto.start] >= without.min_finish[auto.start] + 3


def test_the_tables_are_narrow():
    auto = reply_automaton(VOCAB, ReplySpec(max_summary_chars=8, topics=TOPICS), PATHS)
    assert auto.trans.dtype == np.int16
    assert auto.body_chars.dtype == np.int16 and auto.commit.dtype == np.int8


@pytest.mark.parametrize("paths,match", [
    ([[ID["a"], ID["."], ID['x"}']]] * 2 + [[ID["b"]]], "spell"),
    ([[ID["a"], ID["."], ID["x"]], PATHS[1], PATHS[2]], "spell"),
    ([[ID["a"], ID["."], ID['x"}']], [ID["a"], ID["."], ID['x"}']], PATHS[2]], "spell|prefix"),
    (PATHS[:2], "3 topics but 2"),
    ([[0], PATHS[1], PATHS[2]], "text \\(or ASCII byte\\) tokens"),
])
def test_paths_that_do_not_spell_their_labels_are_refused(paths, match):
    with pytest.raises(ValueError, match=match):
        topic_trie(VOCAB, TOPICS, paths)


def test_a_spec_with_topics_needs_their_paths():
    with pytest.raises(ValueError, match="token path"):
        reply_automaton(VOCAB, ReplySpec(topics=TOPICS))


@pytest.mark.parametrize("kwargs", [{"topics": ("a.x", "a.x")}, {"topics": ('a"b',)},
                                    {"topics": ("",)}, {"topic_key": "summary"},
                                    {"topic_key": 'to"pic'}])
def test_reply_spec_refuses_bad_topics(kwargs):
    with pytest.raises(ValueError):
        ReplySpec(**kwargs)


def test_the_pipeline_spec_carries_the_taxonomy():
    labels = load_taxonomy().labels
    spec = reply_constraint_spec(100, labels)
    assert spec.topics == labels and spec.topic_key == "topic"
    assert reply_constraint_spec(100).topics == ()


def test_the_parser_requires_a_topic_of_the_taxonomy_when_asked():
    labels = load_taxonomy().labels
    ok = json.dumps({"sentiment": 0, "summary": "s", "topic": "delivery.late"})
    assert parse_reply(ok, 50, labels).topic == "delivery.late"
    # No topic asked: it is ignored, whatever it says.
    assert parse_reply(ok, 50).topic is None
    with pytest.raises(ValueError, match="topic is missing"):
        parse_reply(json.dumps({"sentiment": 0, "summary": "s"}), 50, labels)
    for bad in ("delivery", "delivery.lat", "Delivery.late", 3, None, ["delivery.late"]):
        with pytest.raises(ValueError, match="topic"):
            parse_reply(json.dumps({"sentiment": 0, "summary": "s", "topic": bad}), 50, labels)


def test_topic_fields_split_the_label():
    assert topic_fields("billing.double_charge") == {"topic_major": "billing",
                                                     "topic_minor": "double_charge"}
    assert topic_fields(None) == {"topic_major": None, "topic_minor": None}


def test_the_taxonomy_file_is_checked(tmp_path):
    taxonomy = load_taxonomy()
    assert len(taxonomy.labels) == len(set(taxonomy.labels)) == 28
    assert taxonomy.split("general.praise") == ("general", "praise")
    assert taxonomy.label_of({"major": "order", "minor": "change"}) == "order.change"
    with pytest.raises(ValueError):
        taxonomy.split("order.late")
    with pytest.raises(ValueError):
        taxonomy.label_of({"major": "order"})
    data = json.loads(open("taxonomies/customer_support.json", encoding="utf-8").read())
    data["majors"]["delivery"]["minors"]["Bad Key"] = data["majors"]["delivery"]["minors"]["late"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(TaxonomyError, match="Bad Key"):
        load_taxonomy(str(path))
    with pytest.raises(TaxonomyError, match="known"):
        load_taxonomy("no_such_taxonomy")
    with pytest.raises(TaxonomyError, match="plain name"):
        load_taxonomy("../etc/passwd")


def test_a_careless_taxonomy_file_is_refused_with_its_reason(tmp_path):
    """A key written twice (json.load would keep the last silently), a name with a tail the
    pattern's start alone would accept, and a taxonomy too large to list in a prompt."""
    text = open("taxonomies/customer_support.json", encoding="utf-8").read()
    data = json.loads(text)
    twice = tmp_path / "twice.json"
    twice.write_text(text.replace('"majors": {', '"majors": {"order": {"en": "x", "ko": "x", '
                                  '"description": "x", "minors": {"x": {"en": "x", "ko": "x", '
                                  '"description": "x"}}}, ', 1), encoding="utf-8")
    with pytest.raises(TaxonomyError, match="'order' appears twice"):
        load_taxonomy(str(twice))
    tail = tmp_path / "tail.json"
    tail.write_text(json.dumps({**data, "name": "ok name with spaces"}), encoding="utf-8")
    with pytest.raises(TaxonomyError, match="name"):
        load_taxonomy(str(tail))
    minor = {"en": "x", "ko": "x", "description": "x"}
    huge = {**data, "majors": {f"m{i}": {**minor, "minors": {f"n{j}": minor for j in range(11)}}
                               for i in range(10)}}
    big = tmp_path / "big.json"
    big.write_text(json.dumps(huge), encoding="utf-8")
    with pytest.raises(TaxonomyError, match="110 labels, more than 100"):
        load_taxonomy(str(big))
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100000 + "]" * 100000, encoding="utf-8")
    with pytest.raises(TaxonomyError, match="nested too deeply"):
        load_taxonomy(str(deep))


def test_the_prompt_lists_the_labels_grouped_and_only_when_the_version_asks():
    labels = ("delivery.late", "delivery.damaged", "general.other")
    assert render_topics(labels) == "delivery: late, damaged; general: other"
    v4 = render_sentiment_prompt("id 1: hi", 1, 100, prompt_set=load_prompt_set("v4"),
                                 topics=labels)
    assert "delivery: late, damaged; general: other" in v4.head
    v3 = render_sentiment_prompt("id 1: hi", 1, 100, prompt_set=load_prompt_set("v3"),
                                 topics=labels)
    assert "delivery" not in v3.text
    with pytest.raises(ValueError, match="asks for a topic"):
        render_sentiment_prompt("id 1: hi", 1, 100, prompt_set=load_prompt_set("v4"), topics=())
    assert prompt_topics(load_prompt_set("v3")) == ()
    assert prompt_topics(load_prompt_set("v4")) == load_taxonomy().labels


def test_training_targets_end_with_the_topic():
    from tuning.examples import parse_labelled_chat, reply_prefix, reply_text

    chat = parse_labelled_chat({"user_id": 1, "chat_message": "id 1: late again", "sentiment": -1,
                                "summary": "Late.", "topic": {"major": "delivery",
                                                              "minor": "late"}})
    assert chat.topic == "delivery.late"
    assert reply_text(-1, "Late.", 50, chat.topic) == \
        '{"sentiment": -1, "summary": "Late.", "topic": "delivery.late"}'
    assert reply_prefix(-1, "Late.", 50) == '{"sentiment": -1, "summary": "Late.'
    for bad in ({"major": "delivery"}, "delivery.late", {"major": "", "minor": "late"}):
        with pytest.raises(ValueError, match="topic"):
            parse_labelled_chat({"user_id": 1, "chat_message": "x", "sentiment": 0,
                                 "summary": "s", "topic": bad})


def test_a_row_enters_the_topic_only_with_room_for_every_label(auto):
    """The budget may cut the summary, never the choice of label: at the trie's root the
    fewest tokens to finish are those of the LONGEST label (b.x: 4 tokens) and the stop."""
    root, _ = _walk(auto, _ids(HEAD + LITERAL))
    assert auto.min_finish[root] == 4 + 1
    after_a, _ = _walk(auto, _ids(HEAD + LITERAL + ["a"]))
    assert auto.min_finish[after_a] == 2 + 1
