"""A run's report as one self-contained HTML page: `python -m pipeline.run_summary OUT --html PATH`.

Per arm (`model_variant`): the sentiment mix, a histogram of the sentiment confidence (the
review threshold marked when it is given), the model call's latency and the tokens per chat
(histograms with p50 and p95), the errors by stage and reason, a few example rows of each
sink, and what the model time would cost per 1,000 chats at a worker's hourly price.

Charts are inline SVG written here: no JavaScript, no network, no fonts or styles fetched, so
the file can be mailed. Every text that came from a record (chats, summaries, drafts, reasons,
even arm and stage names: a copied file may hold anything) is escaped, cut to a length, and
has its bidirectional controls shown as `[U+202E]` instead of obeyed.

Time and cost come from what the records carry: every row of one batch call carries that
call's time (`handlers.generation.Generation.inference_ms`), so a call is counted once per
distinct (arm, inference_ms) value, and the model time per chat is their sum over the timed
rows. Only the sentiment pass is timed in the records (a review row's apology pass is not),
and the time is this run's own machine's: the cost says what those seconds cost at the
worker's price, not how fast that worker would be. Prices, labels and colours are data
(`pipeline/data/run_report.json`).
"""

from __future__ import annotations

import functools
import html
import json
import math
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from pipeline.outputs import SINKS
from pipeline.schemas import SENTIMENT_VALUES, arm_of

__all__ = [
    "ArmStats",
    "Bar",
    "Pricing",
    "bar_chart",
    "collect",
    "cost_lines",
    "cost_per_1000",
    "histogram",
    "histogram_chart",
    "percentile",
    "pricing",
    "reason_group",
    "render_html",
    "safe_text",
]

_DATA_PATH = os.path.join(os.path.dirname(__file__), "data", "run_report.json")
CONFIDENCE_BINS = 10
HISTOGRAM_BINS = 10
EXAMPLES_PER_SINK = 3
_EXAMPLE_CHARS = 240
_ARM_CHARS = 32
_ERROR_BARS = 12
# Bidirectional controls: a reason with U+202E would otherwise show reversed, and an
# unclosed embedding would reorder the text after it.
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                           "\u2066\u2067\u2068\u2069")
# Noto Sans CJK (Debian's fonts-noto-cjk) draws Hangul; the others are what other systems have.
FONT_STACK = ('system-ui, "Noto Sans", "Noto Sans CJK KR", "Noto Sans KR", '
              '"Apple SD Gothic Neo", "Malgun Gothic", sans-serif')


@functools.cache
def _data() -> dict[str, Any]:
    with open(_DATA_PATH, encoding="utf-8") as f:
        return json.load(f)


def worker_types() -> tuple[str, ...]:
    """The worker types the data file prices (`--worker_type`)."""
    return tuple(_data()["worker_types"])


def default_worker_type() -> str:
    return _data()["default_worker_type"]


# ---------------------------------------------------------------------------- text

def safe_text(value: Any, limit: int | None = None) -> str:
    """`value` as HTML text: cut to `limit` characters (then `…`), bidirectional controls
    shown as `[U+XXXX]`, other control characters and lone surrogates as U+FFFD (line breaks
    and tabs kept), then escaped, quotes included. None is the empty string."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    out = []
    for ch in text:
        if ch in _BIDI_CONTROLS:
            out.append(f"[U+{ord(ch):04X}]")
        elif ch in "\n\t":
            out.append(ch)
        elif unicodedata.category(ch) in ("Cc", "Cs"):
            out.append("\ufffd")
        else:
            out.append(ch)
    return html.escape("".join(out), quote=True)


def _number(value: Any) -> float | None:
    """A finite int or float (not a bool), else None: a field a copied file may lack or
    hold anything in."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _fmt(value: float | None) -> str:
    if value is None:
        return "–"
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def _dollars(value: float | None) -> str:
    return "–" if value is None else f"${value:,.2f}"


# --------------------------------------------------------------------------- numbers

def percentile(values: Sequence[float], q: float) -> float | None:
    """The `q`-th percentile (0-100) by linear interpolation between the closest ranks (as
    numpy's default); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def histogram(values: Iterable[float], bins: int, low: float, high: float) -> list[int]:
    """Counts of `values` in `bins` equal bins from `low` to `high`, the last one closed
    (1.0 falls in the top confidence bin); values outside are left out."""
    if bins < 1 or not high > low:
        raise ValueError(f"bins must be at least 1 and high above low, got {bins}, "
                         f"{low}, {high}")
    counts = [0] * bins
    width = (high - low) / bins
    for value in values:
        if low <= value <= high:
            counts[min(int((value - low) / width), bins - 1)] += 1
    return counts


def reason_group(reason: Any) -> str:
    """An error reason with what varies per record taken out, so alike reasons count
    together: quoted text becomes `'…'`, numbers `N`, and it is cut at 80 characters."""
    text = reason if isinstance(reason, str) else ("" if reason is None else str(reason))
    text = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", text)
    text = re.sub(r"\d+(?:\.\d+)?", "N", text)
    text = " ".join(text.split())
    return (text[:79] + "…" if len(text) > 80 else text) or "(no reason)"


# ----------------------------------------------------------------------------- stats

@dataclass
class ArmStats:
    """What the page shows for one arm; `arm` None holds the errors of no arm (a chat
    refused before it was given one: parse, read, dedup)."""

    arm: str | None
    sinks: Counter = field(default_factory=Counter)
    sentiments: Counter = field(default_factory=Counter)
    confidences: list[float] = field(default_factory=list)
    latency_ms: list[float] = field(default_factory=list)
    prompt_tokens: list[float] = field(default_factory=list)
    generated_tokens: list[float] = field(default_factory=list)
    call_ms: set[float] = field(default_factory=set)
    errors: Counter = field(default_factory=Counter)
    examples: dict[str, list[dict]] = field(default_factory=lambda: {s: [] for s in SINKS})

    @property
    def analyzed(self) -> int:
        """Chats the model analyzed: results and review rows."""
        return self.sinks["results"] + self.sinks["review"]

    @property
    def model_seconds_per_chat(self) -> float | None:
        """The batch calls' time over the rows they timed (None: no row carries a time)."""
        if not self.latency_ms:
            return None
        return sum(self.call_ms) / 1000.0 / len(self.latency_ms)

    def mean(self, name: str) -> float | None:
        values = getattr(self, name)
        return sum(values) / len(values) if values else None


def _arm_name(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def collect(records: Mapping[str, Sequence[dict]]) -> list[ArmStats]:
    """One `ArmStats` per arm that has a record, in arm order, then the errors of no arm."""
    arms: dict[str | None, ArmStats] = {}

    def stats_of(arm: str | None) -> ArmStats:
        return arms.setdefault(arm, ArmStats(arm))

    for sink in ("results", "review"):
        for row in records.get(sink, ()):
            stats = stats_of(_arm_name(arm_of(row)))
            stats.sinks[sink] += 1
            sentiment = row.get("sentiment")
            known = not isinstance(sentiment, bool) and sentiment in SENTIMENT_VALUES
            stats.sentiments[sentiment if known else "other"] += 1
            confidence = _number(row.get("sentiment_confidence"))
            if confidence is not None and 0.0 <= confidence <= 1.0:
                stats.confidences.append(confidence)
            latency = _number(row.get("inference_ms"))
            if latency is not None and latency >= 0:
                stats.latency_ms.append(latency)
                stats.call_ms.add(latency)
            for name in ("prompt_tokens", "generated_tokens"):
                tokens = _number(row.get(name))
                if tokens is not None and tokens >= 0:
                    getattr(stats, name).append(tokens)
            if len(stats.examples[sink]) < EXAMPLES_PER_SINK:
                stats.examples[sink].append(row)
    for row in records.get("errors", ()):
        arm = row.get("model_variant")
        stats = stats_of(_arm_name(arm) if arm else None)
        stats.sinks["errors"] += 1
        stats.errors[(_arm_name(row.get("stage")), reason_group(row.get("reason")))] += 1
        if len(stats.examples["errors"]) < EXAMPLES_PER_SINK:
            stats.examples["errors"].append(row)
    named = sorted(a for a in arms if a is not None)
    return [arms[a] for a in named] + ([arms[None]] if None in arms else [])


# ------------------------------------------------------------------------------ cost

@dataclass(frozen=True)
class Pricing:
    """A worker's hourly price: from the data file (`assumed`) or the user's flag."""

    worker_type: str
    label: str
    hourly_usd: float
    basis: str
    assumed: bool


def pricing(worker_type: str | None = None, hourly_usd: float | None = None) -> Pricing:
    """The price the estimate uses: `--worker_type` from the data file (default
    `default_worker_type()`), or `--worker_hourly_usd` for any worker type named.

    Raises:
        ValueError: naming the flag: an unknown worker type without a price, or a price that
            is not a positive finite number.
    """
    data = _data()
    name = worker_type or data["default_worker_type"]
    if not name.strip() or len(name) > 100:
        raise ValueError("--worker_type must be a name of 1 to 100 characters")
    if hourly_usd is not None:
        if not isinstance(hourly_usd, int | float) or not math.isfinite(hourly_usd) \
                or hourly_usd <= 0:
            raise ValueError(f"--worker_hourly_usd must be a positive number of dollars per "
                             f"worker hour, got {hourly_usd!r}")
        known = data["worker_types"].get(name, {})
        return Pricing(name, known.get("label", name), float(hourly_usd),
                       "--worker_hourly_usd", assumed=False)
    if name not in data["worker_types"]:
        raise ValueError(f"--worker_type {name!r} has no price in pipeline/data/"
                         f"run_report.json (known: {', '.join(data['worker_types'])}); "
                         "pass --worker_hourly_usd with it")
    known = data["worker_types"][name]
    return Pricing(name, known["label"], float(known["hourly_usd"]), known["basis"],
                   assumed=True)


def cost_per_1000(seconds_per_chat: float, hourly_usd: float) -> float:
    """Dollars for 1,000 chats at `seconds_per_chat` of worker time each."""
    return seconds_per_chat * 1000.0 / 3600.0 * hourly_usd


def _price_note(price: Pricing) -> str:
    if price.assumed:
        return (f"assumed: {price.basis}, approximate Dataflow batch list price in "
                f"us-central1, {_data()['price_source']}; --worker_hourly_usd sets yours")
    return "from --worker_hourly_usd"


def cost_lines(arms: Sequence[ArmStats], price: Pricing) -> list[str]:
    """The text tally's section on tokens, model time and cost per arm."""
    lines = ["== model time and cost per chat (sentiment pass only, at this run's speed) ==",
             f"  priced on {price.worker_type} at ${price.hourly_usd:.2f}/h "
             f"({_price_note(price)})"]
    shown = [a for a in arms if a.arm is not None]
    for stats in shown:
        seconds = stats.model_seconds_per_chat
        if seconds is None:
            lines.append(f"  arm {stats.arm}: no row carries inference_ms")
            continue
        lines.append(
            f"  arm {stats.arm}: {len(stats.latency_ms)} chats timed, tokens per chat "
            f"{_fmt(stats.mean('prompt_tokens'))} prompt + "
            f"{_fmt(stats.mean('generated_tokens'))} generated, "
            f"{seconds:.3f} s of model time per chat, "
            f"${cost_per_1000(seconds, price.hourly_usd):.2f} per 1,000 chats")
    if not shown:
        lines.append("  no analyzed chats")
    return lines


# ---------------------------------------------------------------------------- charts

class Bar(NamedTuple):
    label: str
    value: int
    colour: str


_BAR_W, _LABEL_W, _ROW_H = 460, 170, 24


def bar_chart(bars: Sequence[Bar], *, chart_id: str, title: str,
              label_above: bool = False) -> str:
    """Horizontal bars, one a row, each with its label and count; a rect carries
    `data-label` and `data-value`. Labels are escaped here; `label_above` puts each label on
    a line of its own above its bar (long labels: error reasons)."""
    if not bars:
        return f'<p class="none" id="{chart_id}">none</p>'
    top = max(b.value for b in bars) or 1
    left = 4 if label_above else _LABEL_W
    row_h = _ROW_H + 16 if label_above else _ROW_H
    span = _BAR_W - left - 50
    height = row_h * len(bars) + 8
    parts = [f'<svg id="{chart_id}" class="chart bars" role="img" width="{_BAR_W}" '
             f'height="{height}" viewBox="0 0 {_BAR_W} {height}" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{safe_text(title)}</title>']
    for i, bar in enumerate(bars):
        y = 4 + i * row_h
        width = max(1.0, span * bar.value / top) if bar.value else 0
        if label_above:
            label_xy, anchor, bar_y = f'x="{left}" y="{y + 12}"', "start", y + 17
            label = safe_text(bar.label, 72)
        else:
            label_xy, anchor, bar_y = f'x="{_LABEL_W - 6}" y="{y + 16}"', "end", y + 3
            label = safe_text(bar.label, 26)
        parts.append(
            f'<text class="label" {label_xy} text-anchor="{anchor}">'
            f'<title>{safe_text(bar.label, 300)}</title>{label}</text>'
            f'<rect class="bar" x="{left}" y="{bar_y}" width="{width:.1f}" height="16" '
            f'fill="{bar.colour}" data-label="{safe_text(bar.label, 300)}" '
            f'data-value="{bar.value}"/>'
            f'<text class="value" x="{left + width + 4:.1f}" y="{bar_y + 13}">'
            f'{bar.value}</text>')
    parts.append("</svg>")
    return "".join(parts)


_HIST_W, _HIST_H, _PAD_L, _PAD_B, _PAD_T = 460, 170, 36, 32, 18


def histogram_chart(counts: Sequence[int], low: float, high: float, *, chart_id: str,
                    title: str, colour: str, marks: Sequence[tuple[float, str, str]] = ()
                    ) -> str:
    """Vertical bars for `counts` over equal bins from `low` to `high`; each rect carries
    `data-count`, `data-low` and `data-high`. `marks` are (x, label, colour) lines."""
    bins = len(counts)
    plot_w, plot_h = _HIST_W - _PAD_L - 10, _HIST_H - _PAD_B - _PAD_T
    top = max(counts) or 1
    step = (high - low) / bins
    parts = [f'<svg id="{chart_id}" class="chart histogram" role="img" width="{_HIST_W}" '
             f'height="{_HIST_H}" viewBox="0 0 {_HIST_W} {_HIST_H}" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{safe_text(title)}</title>',
             f'<line class="axis" x1="{_PAD_L}" y1="{_PAD_T + plot_h}" '
             f'x2="{_PAD_L + plot_w}" y2="{_PAD_T + plot_h}" stroke="#444"/>',
             f'<text class="tick" x="{_PAD_L - 4}" y="{_PAD_T + 4}" text-anchor="end">'
             f'{top}</text>']
    bar_w = plot_w / bins
    for i, count in enumerate(counts):
        h = plot_h * count / top
        x = _PAD_L + i * bar_w
        parts.append(
            f'<rect class="bin" x="{x + 1:.1f}" y="{_PAD_T + plot_h - h:.1f}" '
            f'width="{bar_w - 2:.1f}" height="{h:.1f}" fill="{colour}" data-count="{count}" '
            f'data-low="{low + i * step:.6g}" data-high="{low + (i + 1) * step:.6g}">'
            f'<title>{_fmt(low + i * step)}–{_fmt(low + (i + 1) * step)}: {count}</title>'
            f'</rect>')
    for value, anchor in ((low, "start"), ((low + high) / 2, "middle"), (high, "end")):
        x = _PAD_L + plot_w * (value - low) / (high - low)
        parts.append(f'<text class="tick" x="{x:.1f}" y="{_HIST_H - _PAD_B + 14}" '
                     f'text-anchor="{anchor}">{_fmt(value)}</text>')
    for value, label, mark_colour in marks:
        if not low <= value <= high:
            continue
        x = _PAD_L + plot_w * (value - low) / (high - low)
        anchor = "end" if x > _PAD_L + plot_w * 0.75 else "start"
        dx = -3 if anchor == "end" else 3
        parts.append(
            f'<line class="mark" x1="{x:.1f}" y1="{_PAD_T - 4}" x2="{x:.1f}" '
            f'y2="{_PAD_T + plot_h}" stroke="{mark_colour}" stroke-dasharray="4 3" '
            f'stroke-width="2" data-value="{value:.6g}"/>'
            f'<text class="mark-label" x="{x + dx:.1f}" y="{_PAD_T - 6}" '
            f'text-anchor="{anchor}" fill="{mark_colour}">{safe_text(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


# ------------------------------------------------------------------------------ page

_CSS = f"""
body{{font-family:{FONT_STACK};margin:1.5rem auto;max-width:1100px;color:#212121;
 padding:0 1rem;line-height:1.4}}
h1{{font-size:1.5rem}} h2{{font-size:1.25rem;border-bottom:2px solid #ddd;margin-top:2rem}}
h3{{font-size:1rem;margin:.2rem 0 .4rem}}
.grid{{display:flex;flex-wrap:wrap;gap:1rem}}
figure{{margin:0;padding:.6rem;border:1px solid #ddd;border-radius:6px;background:#fafafa}}
figcaption{{font-size:.85rem;color:#555;max-width:460px}}
svg text{{font-family:{FONT_STACK};font-size:12px;fill:#212121}}
svg text.mark-label{{font-weight:600}}
table{{border-collapse:collapse;margin:.4rem 0}}
td,th{{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}}
td.num{{text-align:right;font-variant-numeric:tabular-nums}}
.example td{{max-width:420px}} td.short{{white-space:nowrap;max-width:12rem;overflow:hidden;
 text-overflow:ellipsis}}
.user{{unicode-bidi:isolate;white-space:pre-wrap;overflow-wrap:anywhere;word-break:break-word}}
.lost{{border:2px solid #c62828;background:#ffebee;padding:.5rem 1rem;border-radius:6px}}
.note{{color:#555;font-size:.9rem}} .none{{color:#777;font-style:italic}}
pre{{background:#f5f5f5;padding:.6rem;overflow-x:auto;white-space:pre-wrap}}
"""


def _colours() -> dict[str, str]:
    return _data()["colours"]


def _sentiment_bars(stats: ArmStats) -> list[Bar]:
    data = _data()
    bars = [Bar(s["label"], stats.sentiments.get(s["value"], 0), s["colour"])
            for s in data["sentiments"]]
    if stats.sentiments.get("other"):
        other = data["other_sentiment"]
        bars.append(Bar(other["label"], stats.sentiments["other"], other["colour"]))
    return bars


def _error_bars(stats: ArmStats) -> list[Bar]:
    colour = _colours()["errors"]
    ranked = sorted(stats.errors.items(), key=lambda kv: (-kv[1], kv[0]))
    bars = [Bar(f"{stage}: {reason}", n, colour) for (stage, reason), n in
            ranked[:_ERROR_BARS]]
    rest = sum(n for _, n in ranked[_ERROR_BARS:])
    if rest:
        bars.append(Bar(f"{len(ranked) - _ERROR_BARS} other reasons", rest, colour))
    return bars


def _figure(body: str, caption: str, fig_id: str) -> str:
    return (f'<figure id="{fig_id}">{body}<figcaption>{caption}</figcaption></figure>')


def _spread_chart(values: Sequence[float], *, chart_id: str, title: str, colour: str,
                  unit: str) -> tuple[str, str]:
    """A histogram of `values` from 0 to their largest, p50 and p95 marked; (svg, caption)."""
    if not values:
        return f'<p class="none" id="{chart_id}">no row carries it</p>', title
    high = max(values) or 1.0
    p50, p95 = percentile(values, 50), percentile(values, 95)
    ink = _colours()["percentile"]
    svg = histogram_chart(histogram(values, HISTOGRAM_BINS, 0.0, high), 0.0, high,
                          chart_id=chart_id, title=title, colour=colour,
                          marks=[(p50, "p50", ink), (p95, "p95", ink)])
    caption = (f"{safe_text(title)}: p50 <b data-stat=\"p50\">{_fmt(p50)}</b> {unit}, "
               f"p95 <b data-stat=\"p95\">{_fmt(p95)}</b> {unit} "
               f"({len(values)} rows)")
    return svg, caption


# Example columns of free text, wrapped anywhere; the others (ids, values, names) never wrap.
_LONG_FIELDS = frozenset({"reason", "summary", "apology draft", "chat text"})


def _topic(row: dict) -> str:
    """`major.minor` of a row, or "-" (a run whose prompt version asks for no topic)."""
    if row.get("topic_major") and row.get("topic_minor"):
        return f"{row['topic_major']}.{row['topic_minor']}"
    return "-"


def _example_table(sink: str, rows: Sequence[dict], table_id: str) -> str:
    if not rows:
        return f'<p class="none" id="{table_id}">no {sink} rows</p>'
    if sink == "errors":
        header = ("chat", "stage", "reason")
        cells = [(r.get("chat_id"), r.get("stage"), r.get("reason")) for r in rows]
    elif sink == "review":
        header = ("chat", "sentiment", "confidence", "topic", "why", "summary", "apology draft")
        cells = [(r.get("chat_id"), r.get("sentiment"), r.get("sentiment_confidence"),
                  _topic(r), r.get("review_reason"), r.get("summary"), r.get("apology_draft"))
                 for r in rows]
    else:
        header = ("chat", "sentiment", "confidence", "topic", "summary", "chat text")
        cells = [(r.get("chat_id"), r.get("sentiment"), r.get("sentiment_confidence"),
                  _topic(r), r.get("summary"), r.get("chat_message")) for r in rows]
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join(
        '<tr class="example">' + "".join(
            f'<td class="user{"" if h in _LONG_FIELDS else " short"}" '
            f'data-field="{h.replace(" ", "_")}">'
            f'{safe_text(c.strip() if isinstance(c, str) else c, _EXAMPLE_CHARS)}</td>'
            for h, c in zip(header, row, strict=True))
        + "</tr>" for row in cells)
    return f'<table id="{table_id}" data-sink="{sink}"><tr>{head}</tr>{body}</table>'


def _cost_table(stats: ArmStats, price: Pricing, table_id: str) -> str:
    seconds = stats.model_seconds_per_chat
    cost = None if seconds is None else cost_per_1000(seconds, price.hourly_usd)
    rows = [
        ("chats timed", len(stats.latency_ms), "timed"),
        ("prompt tokens per chat (mean)", stats.mean("prompt_tokens"), "prompt_tokens"),
        ("generated tokens per chat (mean)", stats.mean("generated_tokens"),
         "generated_tokens"),
        ("seconds of model time per chat", seconds, "seconds_per_chat"),
        (f"USD per 1,000 chats on {safe_text(price.worker_type)}", cost, "cost_per_1000"),
    ]
    body = "".join(
        f'<tr><th>{label}</th><td class="num" data-stat="{key}" '
        f'data-value="{"" if value is None else repr(float(value))}">'
        f"{_dollars(value) if key == 'cost_per_1000' else _fmt(value)}</td></tr>"
        for label, value, key in rows)
    return f'<table id="{table_id}" class="cost">{body}</table>'


def _arm_section(index: int, stats: ArmStats, price: Pricing,
                 review_threshold: float | None) -> str:
    colours = _colours()
    if stats.arm is None:
        title = "No arm: refused before the A/B split"
    else:
        title = f"Arm {safe_text(stats.arm, _ARM_CHARS)}"
    counts = ", ".join(f'{sink} <b data-sink="{sink}">{stats.sinks[sink]}</b>'
                       for sink in SINKS if stats.arm is not None or sink == "errors")
    figures = []
    if stats.arm is not None:
        figures.append(_figure(
            bar_chart(_sentiment_bars(stats), chart_id=f"sentiment-{index}",
                      title="sentiment mix"),
            f"Sentiment of the {stats.analyzed} analyzed chats (results and review)",
            f"fig-sentiment-{index}"))
        if stats.confidences:
            marks = []
            if review_threshold is not None:
                marks.append((review_threshold, f"review below {review_threshold:g}",
                              colours["threshold"]))
            chart = histogram_chart(
                histogram(stats.confidences, CONFIDENCE_BINS, 0.0, 1.0), 0.0, 1.0,
                chart_id=f"confidence-{index}", title="sentiment confidence",
                colour=colours["confidence"], marks=marks)
        else:
            chart = f'<p class="none" id="confidence-{index}">no row carries it</p>'
        known = ("review threshold marked" if review_threshold is not None else
                 "review threshold not given (--review_below_confidence)")
        figures.append(_figure(chart, f"Sentiment confidence, {CONFIDENCE_BINS} bins "
                                      f"({len(stats.confidences)} rows; {known})",
                               f"fig-confidence-{index}"))
        svg, caption = _spread_chart(
            stats.latency_ms, chart_id=f"latency-{index}", colour=colours["latency"],
            title="model call latency per chat", unit="ms")
        figures.append(_figure(svg, caption + ". The sentiment pass's batch call each "
                                              "chat's reply came from.",
                               f"fig-latency-{index}"))
        for name, label in (("prompt_tokens", "prompt tokens per chat"),
                            ("generated_tokens", "generated tokens per chat")):
            svg, caption = _spread_chart(getattr(stats, name),
                                         chart_id=f"{name.replace('_', '-')}-{index}",
                                         colour=colours[name], title=label, unit="tokens")
            figures.append(_figure(svg, caption, f"fig-{name.replace('_', '-')}-{index}"))
        figures.append(_figure(_cost_table(stats, price, f"cost-{index}"),
                               "Model time and cost (sentiment pass, at this run's speed)",
                               f"fig-cost-{index}"))
    figures.append(_figure(
        bar_chart(_error_bars(stats), chart_id=f"errors-{index}",
                  title="errors by stage and reason", label_above=True),
        f"Errors by stage and reason ({stats.sinks['errors']}; numbers and quoted text in "
        "reasons grouped)", f"fig-errors-{index}"))
    examples = "".join(
        f"<h3>{sink}</h3>" + _example_table(sink, stats.examples[sink],
                                            f"examples-{sink}-{index}")
        for sink in SINKS if stats.arm is not None or sink == "errors")
    return (f'<section class="arm" id="arm-{index}" data-arm="'
            f'{"" if stats.arm is None else safe_text(stats.arm, _ARM_CHARS)}">'
            f"<h2>{title}</h2><p>{counts}</p>"
            f'<div class="grid">{"".join(figures)}</div>'
            f'<h3>Examples (at most {EXAMPLES_PER_SINK} per sink, cut at '
            f"{_EXAMPLE_CHARS} characters)</h3>{examples}</section>")


def render_html(records: Mapping[str, Sequence[dict]], *, price: Pricing,
                review_threshold: float | None = None, lost: Sequence[str] = (),
                tally: str = "", run_dir: str = "") -> str:
    """The report page for a run's `records` (`pipeline.outputs.read_run`): what was `lost`
    (the summary's lines) first, then the sink counts, a section per arm, the price the
    cost assumes, and the text `tally`."""
    arms = collect(records)
    totals = "".join(f'<tr><th>{sink}</th><td class="num" id="count-{sink}">'
                     f"{len(records.get(sink, ()))}</td></tr>" for sink in SINKS)
    lost_box = ""
    if lost:
        lost_box = ('<div class="lost" id="lost">' + "".join(
            f'<p class="user">{safe_text(line, 400)}</p>' for line in lost) + "</div>")
    sections = "".join(_arm_section(i, stats, price, review_threshold)
                       for i, stats in enumerate(arms))
    if not arms:
        sections = '<p class="none" id="empty">No records in this run.</p>'
    price_note = (f'<p class="note" id="price">Cost per 1,000 chats: the model seconds per '
                  f"chat measured in this run times the hourly price of "
                  f"{safe_text(price.label)}, ${price.hourly_usd:.2f}/h "
                  f"({safe_text(_price_note(price))}). Only the "
                  "sentiment pass is timed in the records; the apology pass of review chats, "
                  "start-up and idle workers are not counted, and a GPU worker is faster "
                  "than a CPU run.</p>")
    heading = f"Run report: {safe_text(run_dir, 200)}" if run_dir else "Run report"
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; img-src data:\">"
        f"<title>{heading}</title><style>{_CSS}</style></head><body>"
        f"<h1>{heading}</h1>{lost_box}"
        f'<table id="sink-counts">{totals}</table>{sections}{price_note}'
        f'<h2>Text tally</h2><pre id="tally" class="user">{safe_text(tally)}</pre>'
        "</body></html>\n")
