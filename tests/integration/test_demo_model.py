"""The demo model as `make demo` builds it: Gemma 3 270M from PyPI plus the committed LoRA
adapter, merged by `tuning.apply`, run by the real pipeline on chats written for this test
(not in the training or evaluation data).

Slow: converts the base (shared with test_real_gemma) and merges the adapter once per module.
"""

import json
import re

import pytest

from pipeline.pipeline import run
from pipeline.run_summary import load
from taxonomies import load_taxonomy

pytestmark = pytest.mark.slow

ADAPTER = "tuning/adapters/gemma3-270m-support-v3.npz"

# (chat, expected sentiment, language): plain cases a support team would call obvious.
CHATS = [
    ("\nid 41: I ordered a blue kettle and got a broken red one. Third time this month. "
     "I want my money back today.\nid 7: I'm sorry, I will check your order.\n", -1, "en"),
    ("\nid 42: The technician fixed my boiler in ten minutes and explained everything. "
     "Brilliant service, thank you so much!\nid 7: Glad we could help!\n", 1, "en"),
    ("\nid 43: What time does your Oxford Street branch open on Saturdays?\n"
     "id 7: It opens at 9am on Saturdays.\nid 43: OK.\n", 0, "en"),
    ("\nid 44: 배송이 열흘이나 늦었는데 아무 연락도 없었어요. 정말 화가 납니다. 환불해 주세요.\n"
     "id 7: 불편을 드려 죄송합니다.\n", -1, "ko"),
    ("\nid 45: 상담원님이 친절하게 설명해 주셔서 문제가 바로 해결됐어요. 정말 감사합니다!\n"
     "id 7: 도움이 되어 기쁩니다.\n", 1, "ko"),
]

HANGUL = re.compile(r"[\uac00-\ud7a3]")


@pytest.fixture(scope="module")
def demo_model(gemma_base, tmp_path_factory):
    from tuning.apply import apply_adapter

    out = str(tmp_path_factory.mktemp("demo") / "demo-gemma")
    apply_adapter(gemma_base, ADAPTER, out)
    return out


def _repeats_a_trigram(text: str) -> bool:
    words = text.split()
    grams = [tuple(words[i:i + 3]) for i in range(len(words) - 2)]
    return len(grams) != len(set(grams))


def test_demo_model_routes_obvious_chats_and_writes_usable_text(demo_model, tmp_path):
    src = tmp_path / "chats.jsonl"
    src.write_text("".join(
        json.dumps({"id": i, "user_id": 500 + i, "chat_message": chat}, ensure_ascii=False)
        + "\n" for i, (chat, _, _) in enumerate(CHATS)), encoding="utf-8")
    out = tmp_path / "out"
    run(["--input", str(src), "--output_dir", str(out), "--model", demo_model,
         "--share_model_across_processes", "false"])
    records = load(str(out))
    assert records["errors"] == []
    rows = {r["chat_id"]: r for r in records["results"] + records["review"]}
    assert sorted(rows) == list(range(len(CHATS)))
    review_ids = {r["chat_id"] for r in records["review"]}
    for i, (_, sentiment, language) in enumerate(CHATS):
        row = rows[i]
        assert row["sentiment"] == sentiment, row
        assert (i in review_ids) == (sentiment == -1)
        # The default prompt version asks for a topic: every row has a label of the taxonomy.
        assert f"{row['topic_major']}.{row['topic_minor']}" in load_taxonomy().labels, row
        assert 0 < row["topic_confidence"] <= 1, row
        summary = row["summary"]
        assert 10 <= len(summary) <= 256 and not _repeats_a_trigram(summary), summary
        assert bool(HANGUL.search(summary)) == (language == "ko"), summary
        if sentiment == -1:
            apology = row["apology_draft"]
            assert apology and not _repeats_a_trigram(apology), apology
            assert row["draft_problems"] == [] and not row["draft_opener"], row
            assert bool(HANGUL.search(apology)) == (language == "ko"), apology
