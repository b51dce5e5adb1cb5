"""The training data: `tuning/data/make_train.py` and its data files make the committed
`train.jsonl`, and the scenarios' apologies pass the contract they are judged by."""

import json
import sys
from pathlib import Path

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
