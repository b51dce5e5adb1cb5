"""Checks scenario files before they go into `train.jsonl`: every ending of every scenario,
rendered in every variant `make_train.py` may keep, must make a valid training record whose
apology passes the draft contract (`pipeline/drafts.py`) against its own chat, share no
phrasing with the held-out chats (`check_overlap.py`), and carry a topic of the taxonomy.

    python tuning/data/check_scenarios.py tuning/data/scenarios/ko_billing.txt [...]
    python tuning/data/check_scenarios.py            # every scenario file

Exit status 1 when any check fails; each failure names the scenario, its ending and why.
"""

import json
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(HERE), str(ROOT)]

import check_overlap  # noqa: E402
import make_train  # noqa: E402

from pipeline.drafts import draft_problems  # noqa: E402

TAXONOMY = ROOT / "taxonomies" / "customer_support.json"


def topics(path=TAXONOMY):
    """Every `major.minor` label of the taxonomy."""
    majors = json.loads(Path(path).read_text(encoding="utf-8"))["majors"]
    return {f"{major}.{minor}" for major, spec in majors.items() for minor in spec["minors"]}


def problems(path, held_out):
    """(scenario/ending, problem) for every failure in one scenario file."""
    lang = make_train.language_of_file(path)
    if lang is None:
        return [(Path(path).name, f"make_train.py never reads it: a scenario file is named "
                                  f"<language>[_part].txt, the language one of "
                                  f"{make_train.LANGUAGES}, the part letters, digits or _")]
    labels = topics()
    try:
        scenarios = make_train.parse(Path(path).read_text(encoding="utf-8"), lang, Path(path).name)
    except (ValueError, KeyError, IndexError) as e:
        return [(Path(path).name, f"does not parse: {e}")]
    found = []
    rng = random.Random(0)
    for s in scenarios:
        if s["topic"] not in labels:
            found.append((s["name"], f"topic {s['topic']!r} is not one of the taxonomy's"))
        for n, arc in enumerate(s["arcs"]):
            where = f"{s['name']}/{arc}"
            for v in range(make_train.MAX_PER_ARC):
                try:
                    r = make_train.render(s, arc, v + n, v, rng)
                    make_train.check_record(r)
                except (ValueError, KeyError, IndexError) as e:
                    found.append((where, f"variant {v}: {e}"))
                    continue
                if r["apology"]:
                    failed = draft_problems(r["apology"], r["chat_message"], r["user_id"])
                    if failed:
                        found.append((where, f"apology {r['apology']!r} fails "
                                             f"{'; '.join(map(str, failed))}"))
                for label, kind, gram in check_overlap.overlaps([(where, r["chat_message"])],
                                                                held_out):
                    found.append((where, f"shares [{kind}] {gram!r} with {label}"))
    return found


def main(argv=None):
    paths = argv or [str(p) for lang in make_train.LANGUAGES
                     for p in make_train.scenario_files(lang)]
    held_out = check_overlap.read_chats(ROOT / "samples" / "eval.jsonl")
    bad = 0
    try:  # names must be unique across every file make_train.py reads
        make_train.build()
    except ValueError as e:
        print(f"make_train.py: {e}")
        bad += 1
    for path in paths:
        found = list(dict.fromkeys(problems(path, held_out)))
        bad += len(found)
        print(f"{path}: {'ok' if not found else f'{len(found)} problems'}")
        for where, why in found:
            print(f"  {where}: {why}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
