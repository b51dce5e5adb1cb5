"""Builds `tuning/data/train.jsonl`: labelled English and Korean support chats for LoRA tuning.

Every chat is composed from hand-written scenarios below. A scenario is one support situation
(a topic and a problem) written as turns, each with a few interchangeable phrasings, plus one
or more *arcs* (how it ends): `%neg` (customer still dissatisfied, sentiment -1), `%neu`
(neutral / merely accepting, 0) or `%pos` (satisfied, 1). Each arc carries its own summaries
(`S:`) and, for `%neg`, apologies (`P:`), written for that ending. Variants rotate through
the phrasings, slot values (`@slot: a ; b`, forms `a / short a`), optional verification
exchanges (`~verify`), greetings, sign-offs and customer-side noise (lower case, typos, caps,
emoji). Near-duplicates are dropped (shingle Jaccard > MAX_SIMILARITY) and labels are
balanced per language. Labelling rules: `tuning/data/README.md`.

    python tuning/data/make_train.py            # writes tuning/data/train.jsonl (seeded)

The data lives beside this file: `scenarios/<lang>*.txt` (the scenarios, in the DSL below; one
language per file, named by its code: `en.txt`, `ko_billing.txt`; read in name order),
`scenarios/shorts.jsonl` (short chats written out whole) and `phrases.json` (names, typos,
verification exchanges, greetings, sign-offs, emoji). This file is only the code.

DSL: `### name kind topic` starts a scenario (kind picks the verification filler: order,
account, booking, line, none; topic is `major.minor` of `taxonomies/customer_support.json`);
`C:` customer turn, `A:` agent, `A2:` a second agent after a transfer; `C?x:` / `A?x:`
optional turns included together per group letter x; ` | text` adds another phrasing of the
line above; `{slot}`, `{slot.1}` (second form), `{Slot}` (capitalised), `{slot|을}` (Korean
particle chosen by the final consonant); `#!` starts a comment.
"""

import json
import random
import re
import sys
from pathlib import Path

DATA = Path(__file__).parent
PHRASES = json.loads((DATA / "phrases.json").read_text(encoding="utf-8"))
EN_FIRST, EN_LAST = PHRASES["en_first"], PHRASES["en_last"]
KO_NAMES, KO_ROMAN = PHRASES["ko_names"], PHRASES["ko_roman"]
MAIL_DOMAINS, POSTCODES = PHRASES["mail_domains"], PHRASES["postcodes"]
EN_TYPOS, KO_TYPOS = PHRASES["en_typos"], PHRASES["ko_typos"]
# Verification exchanges, by scenario kind, inserted at `~verify`.
FILLERS = PHRASES["fillers"]
GREETINGS = PHRASES["greetings"]
SIGNOFFS = {lang: {int(label): lines for label, lines in by_label.items()}
            for lang, by_label in PHRASES["signoffs"].items()}
# Emoji (and Korean emoticons) the customer-side noise appends, by sentiment.
EMOJI = {lang: {int(label): pool for label, pool in by_label.items()}
         for lang, by_label in PHRASES["emoji"].items()}
LANGUAGES = ("en", "ko")


def language_of_file(path):
    """The language a scenario file is in, from its name (`en.txt`, `ko_billing.txt`), or None
    for a name that is not `<language>[_part].txt` (such a file is not read)."""
    match = re.fullmatch(r"([a-z]+)(?:_\w+)?\.txt", Path(path).name)
    return match.group(1) if match and match.group(1) in LANGUAGES else None


def scenario_files(lang):
    """The scenario files of one language, in name order (`en.txt`, `en_billing.txt`, ...)."""
    return sorted(p for p in (DATA / "scenarios").glob("*.txt") if language_of_file(p) == lang)


def load_shorts():
    """The short chats, as (language, sentiment, turns, summary, apology, topic) tuples."""
    rows = [json.loads(line) for line in
            (DATA / "scenarios" / "shorts.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    return [(r["language"], r["sentiment"], [tuple(t) for t in r["turns"]], r["summary"],
             r["apology"], r["topic"]) for r in rows]


SEED = 20250611
TARGET_PER_LABEL = {"en": 190, "ko": 176}  # 570 English + 528 Korean = 1098 (52/48)
MAX_PER_ARC = 4  # at most this many variants of one scenario ending
MAX_SIMILARITY = 0.4  # Jaccard of shingles: a candidate closer than this to a kept chat is dropped

_PLACEHOLDER = re.compile(r"\{([A-Za-z_]\w*)(?:\.(\d))?(?:\|([^}]+))?\}")
_TURN = re.compile(r"^(C|A2|A)(?:\?(\w))?:\s*(.*)$")
_LABELS = {"neg": -1, "neu": 0, "pos": 1}


def parse(text, lang, source="<text>"):
    """Parses one scenario file of language `lang` into a list of scenario dicts; errors name
    `source` and the line."""
    scenarios = []
    cur = None
    target = None  # the list the next ' | ' alternative is appended to
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if not line.strip() or line.lstrip().startswith("#!"):
            continue
        where = f"{source}:{number}"
        if line.startswith("### "):
            fields = line[4:].split()
            if not 2 <= len(fields) <= 3:
                raise ValueError(f"{where}: a scenario starts `### name kind [topic]`, got "
                                 f"{line!r}")
            name, kind, *rest = fields
            cur = {"lang": lang, "name": name, "kind": kind, "topic": rest[0] if rest else None,
                   "slots": {}, "base": [], "arcs": {}}
            scenarios.append(cur)
            section = cur["base"]
            target = None
            continue
        stripped = line.strip()
        if cur is None:
            raise ValueError(f"{where}: {line!r} before the first `### name kind topic` line")
        if stripped.startswith("| "):
            if target is None:
                raise ValueError(f"{where}: an alternative (` | `) with no line above it to "
                                 f"belong to")
            target.append(stripped[2:].strip())
            continue
        if stripped.startswith("@"):
            key, values = stripped[1:].split(":", 1)
            cur["slots"][key.strip()] = [
                tuple(f.strip() for f in v.split(" / ")) for v in values.split(" ; ")]
            continue
        if stripped.startswith("%"):
            arc = stripped[1:]
            if arc in cur["arcs"]:
                raise ValueError(f"{where}: {cur['name']} has a second %{arc} ending")
            cur["arcs"][arc] = {"items": [], "S": [], "P": []}
            section = cur["arcs"][arc]["items"]
            target = None
            continue
        if stripped.startswith("~"):
            section.append(("fill", stripped[1:].rstrip("!"), stripped.endswith("!")))
            target = None
            continue
        if stripped[:2] in ("S:", "P:"):
            if not cur["arcs"]:
                raise ValueError(f"{where}: {stripped[:2]} before any %neg/%neu/%pos ending")
            arc = cur["arcs"][list(cur["arcs"])[-1]]
            target = arc[stripped[0]]
            target.append(stripped[2:].strip())
            continue
        m = _TURN.match(stripped)
        if not m:
            raise ValueError(f"{where}: cannot parse line {line!r}")
        alts = [m.group(3)]
        section.append(("turn", m.group(1), alts, m.group(2)))
        target = alts
    for s in scenarios:
        for arc_name, arc in s["arcs"].items():
            if arc_name not in _LABELS:
                raise ValueError(f"{s['name']}: unknown arc {arc_name}")
            if not arc["S"]:
                raise ValueError(f"{s['name']}/{arc_name}: no summary")
            if (arc_name == "neg") != bool(arc["P"]):
                raise ValueError(f"{s['name']}/{arc_name}: apology iff negative")
    return scenarios


def _josa(word, particle):
    """Korean particle after `word`: 을/를, 이/가, 은/는, 과/와, 으로/로, 이에요/예요, 이요/요."""
    pairs = {"을": ("을", "를"), "를": ("을", "를"), "이": ("이", "가"), "가": ("이", "가"),
             "은": ("은", "는"), "는": ("은", "는"), "과": ("과", "와"), "와": ("과", "와"),
             "으로": ("으로", "로"), "로": ("으로", "로"), "이에요": ("이에요", "예요"),
             "이요": ("이요", "요")}
    with_final, without_final = pairs[particle]
    last = word.rstrip()[-1]
    if "가" <= last <= "힣":
        final = (ord(last) - 0xAC00) % 28
        if particle in ("으로", "로") and final == 8:  # ㄹ takes 로
            return "로"
        return with_final if final else without_final
    if last.isdigit():
        return with_final if last in "013678" else without_final
    return without_final


def _fill(text, values):
    def sub(m):
        name, form, particle = m.group(1), m.group(2), m.group(3)
        forms = values[name.lower()]
        value = forms[min(int(form or 0), len(forms) - 1)]
        if name[0].isupper():
            value = value[0].upper() + value[1:]
        return value + (_josa(value, particle) if particle else "")
    out = _PLACEHOLDER.sub(sub, text)
    if "{" in out or "}" in out:
        raise ValueError(f"unfilled placeholder in {text!r}")
    return out


def _globals(rng, lang):
    n = rng.randint(10000, 999999)
    order = rng.choice([f"{n}", f"#{n}", f"A{n}", f"ORD-{n}", f"{n}"])
    first, last = rng.choice(EN_FIRST), rng.choice(EN_LAST)
    email = rng.choice([f"{first.lower()}.{last.lower()}", f"{first.lower()}{rng.randint(1, 99)}",
                        f"{first[0].lower()}{last.lower()}"]) + "@" + rng.choice(MAIL_DOMAINS)
    if lang == "ko":
        order = rng.choice([f"{n}", f"{n}", f"B{n}"])
        email = rng.choice(KO_ROMAN) + str(rng.randint(1, 999)) + "@" + rng.choice(MAIL_DOMAINS)
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    hour = rng.randint(5, 9)
    return {
        "order": (order,),
        "min": (str(rng.choice(range(45, 125, 5))),),
        "clock": (f"{hour}:{rng.choice(range(0, 60, 5)):02d}pm",),
        "email": (email,),
        "ref": ("".join(rng.choice(letters) for _ in range(6)),),
        "phone4": (f"{rng.randint(0, 9999):04d}",),
        "fullname": (f"{first} {last}",),
        "postcode": (rng.choice(POSTCODES),),
        "kname": (rng.choice(KO_NAMES),),
        "birth": (f"{rng.randint(60, 99)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}",),
    }


def _style_en(lines, label, rng):
    """Customer-side noise: lower case, typos, caps, emoji. Never changes the meaning."""
    idx = [i for i, (who, _) in enumerate(lines) if who == "C"]
    if not idx:
        return lines
    lines = [list(x) for x in lines]
    r = rng.random()
    if r < 0.15:  # casual: lower case, no final full stop (lines with codes or emails kept)
        for i in idx:
            t = lines[i][1]
            if any(ch.isdigit() for ch in t) or "@" in t:
                continue
            t = t.lower()
            lines[i][1] = t[:-1] if t.endswith(".") else t
    elif r < 0.22 and label == -1:  # one shouted line
        i = idx[min(1, len(idx) - 1)] if rng.random() < 0.5 else idx[0]
        lines[i][1] = lines[i][1].upper()
    elif r < 0.25 and label == 1:
        lines[idx[-1]][1] = lines[idx[-1]][1].upper()
    if rng.random() < 0.18:  # typos in one or two lines
        for i in rng.sample(idx, min(len(idx), rng.choice([1, 2]))):
            words = lines[i][1].split(" ")
            cand = [k for k, w in enumerate(words) if w.lower().strip(".,!?") in EN_TYPOS]
            for k in rng.sample(cand, min(len(cand), 2)):
                w = words[k]
                core = w.strip(".,!?")
                bad = EN_TYPOS[core.lower()]
                if core[:1].isupper():
                    bad = bad[:1].upper() + bad[1:]
                if core.isupper() and len(core) > 1:
                    bad = bad.upper()
                words[k] = w.replace(core, bad)
            lines[i][1] = " ".join(words)
    if rng.random() < 0.22:
        pool = EMOJI["en"][label]
        lines[idx[-1]][1] += " " + rng.choice(pool)
    return [tuple(x) for x in lines]


def _style_ko(lines, label, rng):
    idx = [i for i, (who, _) in enumerate(lines) if who == "C"]
    if not idx:
        return lines
    lines = [list(x) for x in lines]
    if rng.random() < 0.2:
        for i in idx:
            for good, bad in KO_TYPOS.items():
                if good in lines[i][1] and rng.random() < 0.7:
                    lines[i][1] = lines[i][1].replace(good, bad, 1)
    if rng.random() < 0.12:  # one line typed without spaces or final punctuation
        i = rng.choice(idx)
        if len(lines[i][1]) < 40:
            lines[i][1] = lines[i][1].replace(" ", "").rstrip(".")
    if rng.random() < 0.3:
        pool = EMOJI["ko"][label]
        i = idx[-1] if label != 0 or rng.random() < 0.5 else rng.choice(idx)
        lines[i][1] = lines[i][1].rstrip(".") + " " + rng.choice(pool)
    return [tuple(x) for x in lines]


def _ids(rng):
    def pick(r):
        if r < 0.3:
            return rng.randint(2, 999)
        if r < 0.75:
            return rng.randint(1000, 99999)
        return rng.randint(100000, 9999999)
    user = pick(rng.random())
    agents = []
    while len(agents) < 2:
        a = pick(rng.random())
        if a != user and a not in agents:
            agents.append(a)
    return user, agents


def render(scn, arc_name, k, v, rng):
    """Renders variant `v` of one arc; `k` picks the phrasings of the scenario's shared turns."""
    lang = scn["lang"]
    label = _LABELS[arc_name]
    arc = scn["arcs"][arc_name]
    seed_rng = random.Random(f"{scn['name']}/{lang}")  # fixed per scenario: rotation offsets
    values = _globals(rng, lang)
    for name, options in scn["slots"].items():
        values[name] = options[(k + seed_rng.randrange(len(options))) % len(options)]
    groups = {}
    lines = []

    def emit(items, idx):
        for n, item in enumerate(items):
            if item[0] == "fill":
                kind, forced = item[1], item[2]
                if kind == "verify" and (forced or rng.random() < 0.45):
                    exchange = list(rng.choice(FILLERS[lang][scn["kind"]]))
                    if rng.random() < 0.3:
                        exchange += rng.choice(FILLERS[lang]["hold"])
                    lines.extend((who, _fill(t, values)) for who, t in exchange)
                continue
            _, who, alts, group = item
            if group:
                if group not in groups:
                    groups[group] = rng.random() < 0.5
                if not groups[group]:
                    continue
            off = seed_rng.randrange(97) + n
            lines.append((who, _fill(alts[(idx + off) % len(alts)], values)))

    emit(scn["base"], k)
    emit(arc["items"], v)
    if lines and lines[0][0] == "C" and rng.random() < 0.15:
        lines.insert(0, ("A", _fill(rng.choice(GREETINGS[lang]), values)))
    if lines[-1][0] == "C" and rng.random() < 0.22:
        lines.append(("A", rng.choice(SIGNOFFS[lang][label])))
    lines = (_style_en if lang == "en" else _style_ko)(lines, label, rng)
    user, agents = _ids(rng)
    speaker = {"C": user, "A": agents[0], "A2": agents[1]}
    chat = "\n" + "".join(f"id {speaker[w]}: {t}\n" for w, t in lines)
    summary = _fill(arc["S"][(v + seed_rng.randrange(5)) % len(arc["S"])], values)
    apology = None
    if arc["P"]:
        apology = _fill(arc["P"][(v + seed_rng.randrange(5)) % len(arc["P"])], values)
    return {"user_id": user, "chat_message": chat, "sentiment": label, "summary": summary,
            "apology": apology, "language": lang, "topic": scn["topic"],
            "_src": f"{scn['name']}/{arc_name}",
            "_turns": len(lines)}


def render_short(entry, rng):
    lang, label, turns, summary, apology, topic = entry
    user, agents = _ids(rng)
    chat = "\n" + "".join(f"id {user if w == 'C' else agents[0]}: {t}\n" for w, t in turns)
    return {"user_id": user, "chat_message": chat, "sentiment": label, "summary": summary,
            "apology": apology, "language": lang, "topic": topic, "_src": "short",
            "_turns": len(turns)}


_SENT_SPLIT = re.compile(r"(?<=[.!?])\s+")


def sentences(text):
    return [s for s in _SENT_SPLIT.split(text.strip()) if s]


def check_record(r):
    """Raises ValueError naming the field when a record breaks the data set's rules."""
    if r["sentiment"] not in (-1, 0, 1):
        raise ValueError("sentiment")
    s = sentences(r["summary"])
    if not 1 <= len(s) <= 2 or len(r["summary"]) > 160 or len(set(s)) != len(s):
        raise ValueError(f"summary: {r['summary']!r} ({len(r['summary'])} chars)")
    if (r["sentiment"] == -1) != (r["apology"] is not None):
        raise ValueError("apology must be present exactly for sentiment -1")
    if r["apology"] is not None:
        a = sentences(r["apology"])
        if not 1 <= len(a) <= 3 or len(set(a)) != len(a):
            raise ValueError(f"apology: {r['apology']!r}")
    hangul = bool(re.search("[가-힣]", r["summary"]))
    if hangul != (r["language"] == "ko"):
        raise ValueError(f"summary language: {r['summary']!r}")
    if r["apology"] and bool(re.search("[가-힣]", r["apology"])) != (r["language"] == "ko"):
        raise ValueError(f"apology language: {r['apology']!r}")
    if f"\nid {r['user_id']}: " not in r["chat_message"]:
        raise ValueError("chat_message: customer never speaks")


def shingles(r):
    text = re.sub(r"(^|\n)id \d+: ", "\n", r["chat_message"]).lower()
    if r["language"] == "ko":
        t = re.sub(r"\s+", "", text)
        return {t[i:i + 5] for i in range(len(t) - 4)}
    w = re.findall(r"[a-z0-9']+", text)
    return {tuple(w[i:i + 4]) for i in range(len(w) - 3)}


def jaccard(a, b):
    return len(a & b) / max(1, len(a | b))


def build():
    rng = random.Random(SEED)
    scenarios = [s for lang in LANGUAGES for path in scenario_files(lang)
                 for s in parse(path.read_text(encoding="utf-8"), lang, path.name)]
    names = [(s["lang"], s["name"]) for s in scenarios]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise ValueError(f"scenario names used twice: {twice}")
    kept, kept_sh = [], []
    count = {(lang, lab): 0 for lang in TARGET_PER_LABEL for lab in (-1, 0, 1)}

    def try_keep(r):
        check_record(r)
        key = (r["language"], r["sentiment"])
        if count[key] >= TARGET_PER_LABEL[r["language"]]:
            return False
        sh = shingles(r)
        if any(jaccard(sh, o) > MAX_SIMILARITY for o in kept_sh):
            return False
        if any(r["chat_message"] == o["chat_message"] for o in kept):
            return False
        kept.append(r)
        kept_sh.append(sh)
        count[key] += 1
        return True

    for entry in load_shorts():
        if not try_keep(render_short(entry, rng)):
            raise ValueError(f"short chat not kept: {entry[2]}")
    # Rounds: variant 0 of every arc, then variant 1, ... so that scenarios share the quota.
    # k rotates the shared (base) phrasings: successive variants of one ending, and the
    # different endings of one scenario, start from different phrasings.
    arcs = [(s, a, n) for s in scenarios for n, a in enumerate(s["arcs"])]
    for v in range(12):
        order = list(range(len(arcs)))
        rng.shuffle(order)
        for i in order:
            s, a, n = arcs[i]
            if v >= MAX_PER_ARC:
                continue
            try_keep(render(s, a, v + n, v, rng))
        if all(count[key] >= TARGET_PER_LABEL[key[0]] for key in count):
            break
    rng.shuffle(kept)
    return kept, count, scenarios


def main(argv=None):
    out = Path(argv[0] if argv else Path(__file__).with_name("train.jsonl"))
    kept, count, scenarios = build()
    with out.open("w", encoding="utf-8") as f:
        for r in kept:
            row = {k: r[k] for k in ("user_id", "chat_message", "sentiment", "summary",
                                     "apology", "language")}
            major, minor = r["topic"].split(".")
            row["topic"] = {"major": major, "minor": minor}
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    long_chats = sum(1 for r in kept if r["_turns"] >= 10)
    print(f"wrote {len(kept)} examples to {out} from {len(scenarios)} scenarios "
          f"+ {len(load_shorts())} short chats; {long_chats} with 10+ turns")
    for key in sorted(count):
        print(f"  {key[0]} sentiment {key[1]:+d}: {count[key]}")
    missing = {k: TARGET_PER_LABEL[k[0]] - c for k, c in count.items()
               if c < TARGET_PER_LABEL[k[0]]}
    if missing:
        print(f"  short of target: {missing}")


if __name__ == "__main__":
    main(sys.argv[1:])
