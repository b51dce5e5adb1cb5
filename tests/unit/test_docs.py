"""The README and docs/ show only commands that work, and links that lead somewhere.

Commands come from ```bash blocks (one per line, `\\` continuations joined, comments dropped)
and from inline code that starts like a command (`make ...`, `python -m ...`,
`python path/to/script.py`). Each is checked without running it:

* `make TARGET ... VAR=value`: every target is one of the Makefile's, every variable is set in
  it, and `--flags` in a variable's value are flags of the module its recipe passes them to;
* `python -m MODULE ...` (any `python`, `.venv/bin/python` too): `python -m MODULE --help`
  (this interpreter, one call per module) exits 0 and shows every `--flag` the doc uses, after
  a subcommand's own `--help` where the module has subcommands. `python -m pipeline --help`
  shows the pipeline's own flags; the Beam options it also accepts (`--runner`, `--project`,
  ...) are checked against Beam's registered `PipelineOptions`;
* `python path/to/script.py` and `path/to/script.sh`: the file exists;
* anything else (gcloud, docker, curl, bq): counted, not checked.

No model is loaded; every module's `--help` runs once, all in one subprocess.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [README, *DOCS]
CHANGELOG = ROOT / "CHANGELOG.md"
README_MAX_LINES = 200

_FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*([\w+-]*)")
_SHELLS = {"bash", "sh", "shell", "console"}
_INLINE_CODE = re.compile(r"(?<!`)`([^`]+)`(?!`)")
_INLINE_COMMAND = re.compile(r"^(make \S|(\S*/)?python3?(\.\d+)? (-m \S|\S+\.py\b))")
_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_FLAG = re.compile(r"^--[A-Za-z0-9][\w-]*$")
_PLACEHOLDER = re.compile(r"^(\.\.\.|<[^>]*>|\[?\.\.\.\]?)$")
_SEPARATORS = {"&&", "||", ";", "|"}
_ENV = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_MAKE_TARGET = re.compile(r"^([A-Za-z0-9][\w.-]*(?:\s+[A-Za-z0-9][\w.-]*)*)\s*::?(?![=])")
_MAKE_VAR = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*(?:\?|:|\+|::)?=")
_SUBCOMMANDS = re.compile(r"\{([\w,-]+)\} \.\.\.")
_HELP_TIMEOUT_S = 120


class Command(NamedTuple):
    page: Path
    line: int
    text: str

    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}: {self.text}"


def _fenced(page: Path):
    """(line number, line, language) of every line of a page; language is None outside a
    fenced block, the fence's info string ("" when none) inside; fence lines are left out."""
    fence, language = None, None
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
        match = _FENCE.match(line)
        if fence is None and match:
            fence, language = match.group(1), match.group(2).lower()
        elif fence is not None and re.fullmatch(rf"\s*{re.escape(fence[0])}{{{len(fence)},}}\s*",
                                                line):
            fence, language = None, None
        else:
            yield number, line, language


def block_commands(page: Path) -> list[Command]:
    """The commands of a page's ```bash blocks: continuations joined, comments skipped."""
    commands, pending, start = [], "", 0
    for number, line, language in _fenced(page):
        if language not in _SHELLS:
            continue
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        commands.append(Command(page, start, (pending + stripped).strip()))
        pending = ""
    if pending:
        commands.append(Command(page, start, pending.strip()))
    return commands


def inline_commands(page: Path) -> list[Command]:
    """Inline code spans outside fenced blocks that read as a command (a span may wrap)."""
    lines = [(number, line) for number, line, language in _fenced(page) if language is None]
    text = "\n".join(line for _, line in lines)
    commands = []
    for match in _INLINE_CODE.finditer(text):
        span = " ".join(match.group(1).split())
        if _INLINE_COMMAND.match(span):
            commands.append(Command(page, lines[text.count("\n", 0, match.start())][0], span))
    return commands


def all_commands() -> list[Command]:
    return [c for page in PAGES for c in (*block_commands(page), *inline_commands(page))]


def segments(command: Command) -> list[list[str]]:
    """A command line's simple commands (split at && || ; |), env assignments dropped,
    placeholders (`...`, `<...>`) dropped, brackets of optional parts stripped."""
    try:
        tokens = shlex.split(command.text, comments=True)
    except ValueError as e:
        raise AssertionError(f"{command.where()}: not a shell command line ({e})") from e
    parts, current = [], []
    for token in tokens:
        if token in _SEPARATORS:
            parts.append(current)
            current = []
        else:
            current.append(token)
    parts.append(current)
    out = []
    for part in parts:
        while part and _ENV.match(part[0]):
            part = part[1:]
        cleaned = [t.strip("[]") for t in part if not _PLACEHOLDER.match(t)]
        cleaned = [t for t in cleaned if t]
        if cleaned:
            out.append(cleaned)
    return out


def flags(tokens: list[str]) -> list[str]:
    """The `--flag` names among a command's arguments (`--flag=value` gives `--flag`)."""
    names = []
    for token in tokens:
        name = token.split("=", 1)[0]
        if _FLAG.match(name):
            names.append(name)
    return names


# --- the Makefile -----------------------------------------------------------------------------


@functools.cache
def makefile() -> tuple[frozenset[str], frozenset[str], tuple[str, ...]]:
    """(targets, variables, recipe lines) of the Makefile."""
    targets, variables, recipes = set(), set(), []
    for line in (ROOT / "Makefile").read_text(encoding="utf-8").splitlines():
        if line.startswith("\t"):
            recipes.append(line)
            continue
        var = _MAKE_VAR.match(line)
        if var:
            variables.add(var.group(1))
            continue
        target = _MAKE_TARGET.match(line)
        if target:
            targets.update(target.group(1).split())
    return frozenset(targets), frozenset(variables), tuple(recipes)


def make_variable_module(variable: str) -> str | None:
    """The module a recipe runs with `$(VARIABLE)` among its arguments (`$(PY) -m MODULE`)."""
    for line in makefile()[2]:
        if f"$({variable})" in line:
            module = re.search(r"-m\s+([\w.]+)", line)
            if module:
                return module.group(1)
    return None


# --- python -m MODULE --help ------------------------------------------------------------------


# Runs each job's `python -m MODULE ARGS...` as `python -m` does (runpy, as `__main__`, with
# sys.argv set), one after the other in one interpreter, so keras and what it imports load
# once for all modules (up to 12 s each otherwise); each job's stdout and stderr are its own.
# The job "beam-options" lists the dests of every registered Beam PipelineOptions subclass.
_RUNNER = """
import contextlib, io, json, runpy, sys, warnings
warnings.simplefilter("ignore")
jobs, out_path = json.loads(sys.argv[1]), sys.argv[2]
results = []
for argv in jobs:
    buf, rc = io.StringIO(), 0
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
        try:
            if argv == ["beam-options"]:
                import pipeline.options
                from apache_beam.options.pipeline_options import PipelineOptions
                print("\\n".join(PipelineOptions([]).get_all_options(drop_default=False)))
            else:
                sys.argv = list(argv)
                runpy.run_module(argv[0], run_name="__main__", alter_sys=True)
        except SystemExit as e:
            rc = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        except BaseException as e:
            rc = 1
            print(f"{type(e).__name__}: {e}")
    results.append([rc, buf.getvalue()])
with open(out_path, "w", encoding="utf-8") as f:
    json.dump(results, f)
"""
_BEAM = ("beam-options",)


def run_helps(jobs: set[tuple[str, ...]], tmp: Path) -> dict[tuple[str, ...], tuple[int, str]]:
    """(exit status, output) of each job, from one `sys.executable` subprocess."""
    if not jobs:
        return {}
    order = sorted(jobs)
    out = tmp / "helps.json"
    env = {**os.environ, "KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run([sys.executable, "-c", _RUNNER, json.dumps(order), str(out)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=_HELP_TIMEOUT_S,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 0 and out.exists(), (
        f"the --help runner failed ({done.returncode}):\n{(done.stdout + done.stderr)[-3000:]}")
    results = json.loads(out.read_text(encoding="utf-8"))
    return {job: (rc, text) for job, (rc, text) in zip(order, results, strict=True)}


class Helps:
    """`--help` of every module the docs run, each fetched once."""

    def __init__(self, commands: list[Command], tmp: Path):
        wanted = {_BEAM}
        for command in commands:
            for tokens in segments(command):
                module = python_module(tokens)
                if module:
                    wanted.add((module, "--help"))
                if tokens[0] == "make":
                    modules = [make_variable_module(a.split("=", 1)[0]) for a in tokens[1:]
                               if "=" in a]
                    wanted.update((m, "--help") for m in modules if m)
        self._done = run_helps(wanted, tmp)
        # Subcommands (`python -m review serve`) need their own --help: a second round.
        subs = set()
        for command in commands:
            for tokens in segments(command):
                module = python_module(tokens)
                sub = module and self._subcommand(module, tokens)
                if sub:
                    subs.add((module, sub, "--help"))
        self._done.update(run_helps(subs, tmp))

    def _subcommand(self, module: str, tokens: list[str]) -> str | None:
        rc, text = self._done[(module, "--help")]
        choices = _SUBCOMMANDS.search(text)
        if rc or not choices:
            return None
        args = module_args(tokens)
        return args[0] if args and args[0] in choices.group(1).split(",") else None

    def of(self, module: str, tokens: list[str]) -> tuple[int, str, str]:
        """(exit status, help text, what was run) for a command running `module`."""
        sub = self._subcommand(module, tokens)
        job = (module, sub, "--help") if sub else (module, "--help")
        rc, text = self._done[job]
        return rc, text, "python -m " + " ".join(job)

    @functools.cached_property
    def beam_options(self) -> frozenset[str]:
        rc, text = self._done[_BEAM]
        assert rc == 0, f"listing Beam's pipeline options failed:\n{text[-2000:]}"
        return frozenset(line.strip() for line in text.splitlines() if line.strip())


def _is_python(program: str) -> bool:
    return re.fullmatch(r"python3?(\.\d+)?", Path(program).name) is not None


def python_module(tokens: list[str]) -> str | None:
    if len(tokens) >= 3 and _is_python(tokens[0]) and tokens[1] == "-m":
        return tokens[2]
    return None


def module_args(tokens: list[str]) -> list[str]:
    return tokens[3:]


# --- the checks -------------------------------------------------------------------------------


class Tally(NamedTuple):
    problems: list[str]
    checked: dict[str, int]
    unchecked: list[str]


def check_make(command: Command, tokens: list[str], helps: Helps, out: Tally) -> None:
    targets, variables, _ = makefile()
    for arg in tokens[1:]:
        if arg.startswith("-"):
            continue
        if "=" in arg:
            name, value = arg.split("=", 1)
            if name not in variables:
                out.problems.append(f"{command.where()}: {name} is not a Makefile variable")
                continue
            used = flags(shlex.split(value))
            if used:
                module = make_variable_module(name)
                if module is None:
                    out.problems.append(f"{command.where()}: no recipe passes $({name}) to "
                                          "a python module, yet it holds flags")
                    continue
                check_flags(command, module, ["python", "-m", module, *shlex.split(value)],
                            helps, out)
        elif arg not in targets:
            out.problems.append(f"{command.where()}: make has no target {arg!r}")
    out.checked["make"] += 1


def check_flags(command: Command, module: str, tokens: list[str], helps: Helps,
                out: Tally) -> None:
    rc, text, ran = helps.of(module, tokens)
    if rc != 0:
        out.problems.append(f"{command.where()}: `{ran}` exited {rc}:\n{text[-1500:]}")
        return
    for flag in flags(module_args(tokens)):
        if re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", text):
            continue
        if module == "pipeline" and flag[2:] in helps.beam_options:
            continue
        out.problems.append(f"{command.where()}: {flag} is not a flag of `{ran}`")


def check_command(command: Command, helps: Helps, out: Tally) -> None:
    for tokens in segments(command):
        program = tokens[0]
        if program == "make":
            check_make(command, tokens, helps, out)
        elif python_module(tokens):
            check_flags(command, python_module(tokens), tokens, helps, out)
            out.checked["python -m"] += 1
        elif _is_python(program) and len(tokens) > 1 and tokens[1].endswith(".py"):
            if not (ROOT / tokens[1]).is_file():
                out.problems.append(f"{command.where()}: no file {tokens[1]}")
            out.checked["script"] += 1
        elif "/" in program and not program.startswith(("/", "$", "~")):
            if not (ROOT / program).is_file():
                out.problems.append(f"{command.where()}: no file {program}")
            elif not os.access(ROOT / program, os.X_OK):
                out.problems.append(f"{command.where()}: {program} is not executable")
            out.checked["script"] += 1
        else:
            out.unchecked.append(command.where())


@pytest.fixture(scope="module")
def checked(tmp_path_factory) -> Tally:
    """Every documented command, checked once for the tests below."""
    commands = all_commands()
    result = Tally([], {"make": 0, "python -m": 0, "script": 0}, [])
    helps = Helps(commands, tmp_path_factory.mktemp("helps"))
    for command in commands:
        check_command(command, helps, result)
    return result


def test_documented_commands_work(checked):
    """Every make target, module flag and script path in the README and docs/ exists."""
    assert not checked.problems, "documented commands that do not work:\n" + "\n".join(
        checked.problems)


def test_commands_were_found(checked):
    """The extraction is not vacuous: the pages' commands of each kind were checked, and
    the ones that cannot be checked here (gcloud, curl, ...) are few."""
    assert checked.checked["make"] >= 10, checked.checked
    assert checked.checked["python -m"] >= 20, checked.checked
    assert checked.checked["script"] >= 3, checked.checked
    assert len(checked.unchecked) <= 5, "\n".join(checked.unchecked)


def test_readme_test_command_is_what_ci_runs():
    """The README's test command is the one `.ci/run` calls, in the same form."""
    readme = [c.text for c in block_commands(README)]
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()
          if line.strip() and not line.strip().startswith("#")]
    assert "make test" in ci
    assert any(re.fullmatch(r"make test(\s+#.*)?", text) for text in readme), readme
    assert any(re.fullmatch(r"make demo(\s+#.*)?", text) for text in readme), readme


# --- pages and links --------------------------------------------------------------------------


def test_readme_is_short():
    """A README a newcomer reads in five minutes: at most 200 lines."""
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines"


def test_readme_links_every_docs_page():
    """Every page under docs/ is reachable from the README."""
    targets = {(README.parent / t.split("#")[0]).resolve() for t in _LINK.findall(
        README.read_text(encoding="utf-8"))}
    missing = [str(p.relative_to(ROOT)) for p in DOCS if p.resolve() not in targets]
    assert DOCS and not missing, f"not linked from README.md: {missing}"


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"`|\*\*|\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


@functools.cache
def anchors(page: Path) -> frozenset[str]:
    found, seen = set(), {}
    for _, line, language in _fenced(page):
        heading = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if language is None and heading:
            slug = _slug(heading.group(1))
            n = seen.get(slug, 0)
            seen[slug] = n + 1
            found.add(slug if n == 0 else f"{slug}-{n}")
    return frozenset(found)


def test_relative_links_resolve():
    """Every relative link in README.md, docs/*.md and CHANGELOG.md names a file that exists,
    and an anchor in it names a heading of that page."""
    problems = []
    for page in [*PAGES, CHANGELOG]:
        text = "\n".join(line for _, line, language in _fenced(page) if language is None)
        for target in _LINK.findall(text):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
                continue
            path, _, anchor = target.partition("#")
            file = (page.parent / path).resolve() if path else page
            where = f"{page.relative_to(ROOT)}: ({target})"
            if not file.exists():
                problems.append(f"{where}: no such file")
            elif anchor and file.suffix == ".md" and anchor not in anchors(file):
                problems.append(f"{where}: no heading #{anchor} in {file.relative_to(ROOT)}")
    assert not problems, "\n".join(problems)
