"""The registry of declarative lab checks (`@check`, `CHECKS`) and the helpers the types share.

Each type, in `labs/check_types/<area>.py`, reads outcomes (the typed run result, the account
snapshots, the parsed documents) and says what happened, where. Never the log text, never a regex
over a raw file. A check whose precondition did not happen says exactly that.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from simulator import RunStatus, ScenarioResult


@dataclass(frozen=True)
class Evidence:
    """What checks may read: files as parsed documents, findings, the typed run result."""

    files: Mapping[str, str]
    documents: Mapping[str, Any]  # file name -> parsed YAML/JSON (None when it did not parse)
    findings: Mapping[str, list[dict[str, Any]]]
    result: ScenarioResult
    secret_values: tuple[str, ...] = ()  # from the world, for leak checks only (never stored)
    log: str = ""  # what the learner saw: read only to make sure no secret leaked into it
    scenario: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    """Whether a check passed, and what the learner should be told about it."""

    passed: bool
    detail: str = ""
    not_run: bool = False  # the check's precondition never happened (nothing ran)


@dataclass(frozen=True)
class CheckType:
    name: str
    required: tuple[str, ...]
    judge: Callable[[Evidence, dict[str, Any]], Verdict]
    summary: str
    needs_run: bool

    def validate(self, params: dict[str, Any]) -> str | None:
        missing = [key for key in self.required if key not in params]
        if missing:
            return f"missing parameter(s) {', '.join(missing)} for type '{self.name}'"
        if "tag_pattern" in params:
            try:
                re.compile(str(params["tag_pattern"]))
            except re.error as exc:
                return f"'tag_pattern' is not a valid regular expression: {exc}"
        if self.name == "command_ran":
            for text in as_list(params["command"]):
                if not _words(text):
                    return f"'command' {text!r} has no words"
        return None


CHECKS: dict[str, CheckType] = {}


def check(name: str, *required: str, needs_run: bool = True) -> Callable:
    """Register a check type; `needs_run` checks report "nothing ran" when nothing ran."""

    def register(func):
        CHECKS[name] = CheckType(name, required, func, (func.__doc__ or "").strip(), needs_run)
        return func

    return register


def judge_one(ctype: CheckType, evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """Run one check, first making sure what it reads happened."""
    if ctype.needs_run:
        missing = precondition(evidence.result)
        if missing:
            return Verdict(False, missing, not_run=True)
    return ctype.judge(evidence, params)


def precondition(result: ScenarioResult) -> str:
    """Why a check that needs a run cannot be judged ("" when the scenario ran)."""
    if result.status == RunStatus.BLOCKED:
        return "Nothing ran because the checker found errors in your files."
    if result.status == RunStatus.NOT_STARTED:
        return f"Nothing ran: {sentence(result.message)}"
    if result.status == RunStatus.PAUSED:
        return "The pipeline is still waiting for your approval."
    return ""


# --- wording helpers: plain sentences, plurals, lists --------------------------------------------


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word if count == 1 else (many or word + 's')}"


def words(items: Iterable[str], conjunction: str = "and") -> str:
    items = [str(i) for i in items]
    if not items:
        return "none"
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


_PY_LIST = re.compile(r"\[('[^'\]]*'(?:, '[^'\]]*')*)\]")


def sentence(text: str) -> str:
    """A message as a plain sentence: no Markdown backticks, no Python list syntax."""
    text = _PY_LIST.sub(lambda m: words(re.findall(r"'([^']*)'", m.group(1)), "or"), str(text))
    text = text.strip().replace("`", "")
    if not text:
        return ""
    return text if text.endswith((".", "!", "?")) else text + "."


def percent(value: float) -> str:
    return f"{value:g} %"


def as_list(value: Any) -> list[Any]:
    """The value if it is a list or tuple, else a list of it (a parameter names one or many)."""
    return list(value) if isinstance(value, list | tuple) else [value]


def as_dict(value: Any) -> dict[str, Any]:
    """The value if it is a mapping, else an empty one (learners' files hold any shape)."""
    return value if isinstance(value, dict) else {}


# --- command lines: which simple commands run, and what hides their exit status ------------------

# Names of the operators that decide whether a shell command's exit status is the segment's.
_MASKING = {"||": "||", ";": ";", "|": "|", "&": "&"}


def _words(text: str) -> list[str]:
    lexer = shlex.shlex(str(text), posix=True, punctuation_chars=";&|")
    lexer.whitespace_split = True
    try:
        return list(lexer)
    except ValueError:  # an unclosed quote: the shell would refuse it too
        return []


def _segments(text: str) -> list[tuple[list[str], str]]:
    """Simple commands of a command line, each with the operator that follows it."""
    out: list[tuple[list[str], str]] = []
    current: list[str] = []
    for token in _words(text):
        if token in ("&&", "||", ";", "|", "&", ";;"):
            out.append((current, token))
            current = []
        else:
            current.append(token)
    out.append((current, ""))
    return [(argv, op) for argv, op in out if argv]


def _strip_env(argv: list[str]) -> list[str]:
    # `VAR=$(...) cmd` and `sudo`/`env` prefixes do not change which program runs.
    while argv and (re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", argv[0]) or argv[0] in ("env",)):
        argv = argv[1:]
    return argv


def command_matches(text: str, wanted: str) -> tuple[bool, str]:
    """Whether `wanted` (words, e.g. "npm test") runs as a simple command of `text`, and an
    operator that hides its exit status ("" when its status is the command line's)."""
    want = _words(wanted)
    segments = _segments(text)
    for index, (argv, _op) in enumerate(segments):
        argv = _strip_env(argv)
        if argv[: len(want)] != want:
            continue
        after = [o for _a, o in segments[index:] if o]
        masking = next((o for o in after if o in _MASKING), "")
        return True, masking
    return False, ""


# The areas whose types were first written in this module register first (in that order), so
# that `CHECKS` lists the core types first; every other module follows, alphabetically.
_FIRST_AREAS = (
    "files",
    "build",
    "account_changes",
    "buildspec_env",
    "deploy",
    "pipeline",
    "templates",
)


def _register_more() -> None:
    """Import every module of `labs/check_types/` so that its `@check` types register."""
    import importlib
    import pkgutil

    from labs import check_types

    names = [info.name for info in pkgutil.iter_modules(check_types.__path__)]
    for name in [*_FIRST_AREAS, *(n for n in names if n not in _FIRST_AREAS)]:
        importlib.import_module(f"labs.check_types.{name}")


_register_more()
