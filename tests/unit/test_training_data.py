"""The training data: `tuning/data/make_train.py` and its data files make the committed
`train.jsonl`, and the scenarios' apologies pass the contract they are judged by."""

import json
import re
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "tuning" / "data"
sys.path.insert(0, str(DATA))

import check_scenarios  # noqa: E402
import make_train  # noqa: E402


def test_the_generator_and_its_data_files_make_the_committed_train_jsonl(tmp_path):
    out = tmp_path / "train.jsonl"
    make_train.main([str(out)])
    assert out.read_bytes() == (DATA / "train.jsonl").read_bytes()


def test_every_scenario_has_a_topic_of_the_taxonomy():
    labels = check_scenarios.topics()
    scenarios = [s for lang in make_train.LANGUAGES for path in make_train.scenario_files(lang)
                 for s in make_train.parse(path.read_text(encoding="utf-8"), lang, path.name)]
    assert len(scenarios) > 200
    assert not [s["name"] for s in scenarios if s["topic"] not in labels]
    shorts = [json.loads(line) for line in
              (DATA / "scenarios" / "shorts.jsonl").read_text(encoding="utf-8").splitlines()]
    assert not [s for s in shorts if s["topic"] not in labels]


def test_the_checker_names_a_scenario_that_breaks_the_contract(tmp_path):
    bad = tmp_path / "en_bad.txt"
    bad.write_text("### bad_one order delivery.late\nC: My parcel is {min} minutes late.\n"
                   "A: Sorry about that.\n%neg\nC: Useless.\n"
                   "S: Parcel {min} minutes late; customer is annoyed.\n"
                   "P: We're sorry your parcel is late. We will email you a voucher tomorrow.\n",
                   encoding="utf-8")
    found = check_scenarios.problems(bad, [])
    assert found and all(where == "bad_one/neg" for where, _ in found)
    assert "only_offered" in found[0][1]


def test_every_committed_scenario_file_passes_the_checker(capsys):
    assert check_scenarios.main([]) == 0, capsys.readouterr().out


def test_a_file_the_generator_never_reads_is_refused(tmp_path):
    for name in ("en_x.txt.bak", "en x.txt", "english.txt", "fr.txt"):
        path = tmp_path / name
        path.write_text("### a order delivery.late\n", encoding="utf-8")
        assert "never reads it" in check_scenarios.problems(path, [])[0][1]
    assert make_train.language_of_file("ko_billing2.txt") == "ko"


@pytest.mark.parametrize("text, says", [
    ("C: hi\n### a order delivery.late\n", "before the first"),
    ("### a order delivery.late\n | hi\n", "no line above"),
    ("### a order delivery.late extra\n", "### name kind [topic]"),
    ("### a order delivery.late\nC: hi\n%neg\nS: x.\nP: Sorry.\n%neg\nS: y.\nP: Sorry.\n",
     "second %neg"),
    ("### a order delivery.late\nC: hi\nS: x.\n", "before any"),
])
def test_a_malformed_scenario_is_refused_with_its_line(text, says):
    with pytest.raises(ValueError, match=re.escape(says)):
        make_train.parse(text, "en", "en_x.txt")
