"""Content files as positioned documents validated by pydantic models, errors at line and column."""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError
from pydantic_core import ErrorDetails, PydanticCustomError

import simulator
from core.content import ContentError, ContentErrors, read_text

PathPart = str | int
Loc = tuple[PathPart, ...]
M = TypeVar("M", bound=BaseModel)

_KINDS = {
    "string_type": "text",
    "int_type": "a whole number",
    "float_type": "a number",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping of keys to values",
    "model_type": "a mapping of keys to values",
    "model_attributes_type": "a mapping of keys to values",
}

# Pydantic's number limits -> (our words, the limit's name in the error's context).
_LIMITS = {
    "greater_than_equal": ("at least", "ge"),
    "greater_than": ("more than", "gt"),
    "less_than_equal": ("at most", "le"),
    "less_than": ("less than", "lt"),
    "multiple_of": ("a multiple of", "multiple_of"),
}


class Model(BaseModel):
    """A content file's part: unknown keys refused, YAML types taken as written (no coercion)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
    noun: ClassVar[str] = ""
    """How an item of this model is named in messages ("option" -> "option 2")."""
    retired: ClassVar[Mapping[str, str]] = {}
    """Keys of an older format -> the hint that says what replaced them."""
    named_by: ClassVar[str] = ""
    """The key naming an item in messages: "id" gives "question 'q-1'", not "question 3"."""


@dataclass(frozen=True)
class Problem:
    """One rule broken, raised from a validator with `invalid`: `at` goes below the field."""

    message: str
    hint: str = ""
    at: Loc = ()
    key: bool = False


def invalid(message: str, hint: str = "", *, at: Loc = (), key: bool = False) -> Exception:
    """The error a validator raises for a rule of ours: the message and hint are shown as is."""
    return invalid_all([Problem(message, hint, at, key)])


def invalid_all(problems: Iterable[Problem]) -> Exception:
    """One error carrying several problems (a validator reports them all at once)."""
    found = list(problems)
    # The message template is never formatted for the author: the problems are read from ctx.
    return PydanticCustomError("content", "content problem", {"problems": found})


def one_of(choices: Collection[str], noun: str, hint: str = "") -> AfterValidator:
    """A validator: the value is one of `choices`, else 'unknown <noun>' with a suggestion."""

    def check(value: str) -> str:
        if value not in choices:
            suggestion = simulator.did_you_mean(value, choices)
            raise invalid(f"unknown {noun} {value!r}", suggestion or hint)
        return value

    return AfterValidator(check)


def unique(noun: str, normal: Callable[[Any], Any] = lambda v: v) -> AfterValidator:
    """A validator: no item of the list is listed twice (compared after `normal`)."""

    def check(items: list[Any]) -> list[Any]:
        seen: dict[Any, int] = {}
        problems = []
        for index, item in enumerate(items):
            first = seen.setdefault(normal(item), index)
            if first != index:
                message = f"{noun} {item!r} is listed twice (first as item {first + 1})"
                problems.append(Problem(message, at=(index,)))
        if problems:
            raise invalid_all(problems)
        return items

    return AfterValidator(check)


@dataclass(frozen=True)
class Document:
    """A loaded content file: its data and where each value and key is written."""

    path: Path
    loaded: simulator.Loaded
    first_line: int = 1

    @property
    def data(self) -> Any:
        return self.loaded.data

    def get(self, loc: Loc) -> Any:
        """The value at `loc`, or None when the path leads nowhere."""
        value = self.data
        for part in loc:
            try:
                value = value[part]
            except (KeyError, IndexError, TypeError):
                return None
        return value

    def position(self, loc: Loc, *, key: bool = False) -> tuple[int, int]:
        """(line, column) in the file of the value (or key) at `loc`, else of its nearest parent."""
        line, column = self.loaded.position(loc, key=key)
        return line + self.first_line - 1, column

    def error(self, loc: Loc, message: str, hint: str = "", *, key: bool = False) -> ContentError:
        line, column = self.position(loc, key=key)
        return ContentError(self.path, line, message, hint, column=column)


def load(path: Path, text: str | None = None, *, first_line: int = 1) -> Document:
    """Load a content file (or `text`, found at `first_line` of it) with the hardened loader.

    Syntax errors, refused constructs and duplicate keys raise ContentError at their line; an
    empty document has data None (the caller says what it should have held).
    """
    if text is None:
        text = read_text(path)
    loaded = simulator.load_document(text, filename=str(path))
    for finding in loaded.findings:
        if finding.code == "YM002":
            break
        if finding.severity in (simulator.Severity.ERROR, simulator.Severity.WARNING):
            line = finding.line + first_line - 1
            message = f"invalid YAML: {finding.message}"
            raise ContentError(path, line, message, finding.hint, column=finding.column)
    return Document(Path(path), loaded, first_line)


@dataclass(frozen=True)
class FrontMatter:
    """A Markdown file's YAML front matter, loaded with positions in the file, and its body."""

    document: Document
    body: str
    body_first_line: int


def load_front_matter(path: Path, text: str | None = None) -> FrontMatter:
    """Split `---`-fenced front matter from a Markdown body and load it once, at its lines.

    Raises ContentError when the fences are missing or the front matter is not a mapping.
    """
    if text is None:
        text = read_text(path)
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise ContentError(path, 1, "missing front matter", "start the file with a line '---'")
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            document = load(path, "".join(lines[1:index]), first_line=2)
            if not isinstance(document.data, dict):
                raise ContentError(path, 2, "front matter must be a mapping of keys to values")
            return FrontMatter(document, "".join(lines[index + 1 :]), index + 2)
    raise ContentError(path, 1, "front matter is not closed", "add a line '---' after it")


def validate(
    document: Document,
    model: type[M],
    *,
    at: Loc = (),
    label: str = "",
    context: Any = None,
) -> tuple[M | None, list[ContentError]]:
    """Validate the value at `at` against `model`: (the model, []) or (None, errors by position).

    `label` starts every message ("question 'x'"); `context` reaches validators as `info.context`.
    """
    data = document.get(at)
    if not label and at and isinstance(at[-1], int):  # an item validated on its own
        label = _item_label(model, at[-1], data).removeprefix(", ")
    try:
        return model.model_validate(data, context=context), []
    except ValidationError as exc:
        found = _pick_members([(e, _walk(model, e["loc"], data)) for e in exc.errors()])
    errors: dict[tuple[int | None, int | None, str], ContentError] = {}
    for error, where in found:
        for problem in _content_errors(document, model, at, label, error, where):
            errors.setdefault((problem.line, problem.column, str(problem)), problem)
    return None, sorted(errors.values(), key=lambda e: (e.line or 0, e.column or 0))


def load_model(
    path: Path, model: type[M], text: str | None = None, *, first_line: int = 1, context: Any = None
) -> M:
    """Load and validate a whole file; raises ContentErrors listing every problem."""
    try:
        document = load(path, text, first_line=first_line)
    except ContentError as exc:
        raise ContentErrors([exc]) from exc
    value, errors = validate(document, model, context=context)
    if value is None:
        raise ContentErrors(errors)
    return value


@dataclass
class _Where:
    """What a pydantic error location names in the file and in the models."""

    loc: Loc  # the data path (union member tags dropped)
    owner: type[BaseModel] | None = None  # the model holding the last key
    key: str = ""  # the last key, as written
    annotation: Any = None  # the declared type at the end
    items: str = ""  # ", option 2" for items of named models
    union_at: int | None = None  # index in the pydantic loc of the last union member tag
    union: Any = None  # the declared union type there


def _walk(model: type[BaseModel], loc: Sequence[PathPart], data: Any) -> _Where:
    where = _Where(())
    annotation: Any = model
    path: list[PathPart] = []
    for index, part in enumerate(loc):
        annotation = _bare(annotation)
        if _is_union(annotation):
            members = _members(annotation)
            if isinstance(part, str) and not (isinstance(data, dict) and part in data):
                where.union_at, where.union = index, annotation
                annotation = next((m for m in members if _tag(m) == part), None)
                continue
            annotation = next((m for m in members if _is_model(m)), None)
        if _is_model(annotation):
            where.owner, where.key = annotation, str(part)
            field = _field(annotation, str(part))
            annotation = field.annotation if field else None
        elif isinstance(part, int) and typing.get_origin(annotation) in (list, tuple):
            annotation = typing.get_args(annotation)[0]
            where.items += _item_label(annotation, part, _item(data, part))
        elif typing.get_origin(annotation) is dict:
            annotation = typing.get_args(annotation)[1]
        else:
            annotation = None
        path.append(part)
        data = data.get(part) if isinstance(data, dict) else _item(data, part)
    where.loc, where.annotation = tuple(path), annotation
    return where


def _item_label(annotation: Any, index: int, value: Any) -> str:
    """ ", option 2" or ", question 'q-1'" for an item of a list of named models, else ""."""
    for member in _members(annotation):
        noun, key = getattr(member, "noun", ""), getattr(member, "named_by", "")
        if noun:
            name = value.get(key) if key and isinstance(value, dict) else None
            if isinstance(name, str):
                return f", {noun} '{name}'"
            number = name if type(name) is int else index + 1
            return f", {noun} {number}"
    return ""


def _bare(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _members(annotation: Any) -> list[Any]:
    """The bare member types of a union, or [the type] itself."""
    annotation = _bare(annotation)
    if _is_union(annotation):
        return [_bare(m) for m in typing.get_args(annotation)]
    return [annotation]


def _is_union(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (typing.Union, types.UnionType)


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _tag(annotation: Any) -> str:
    # pydantic names a union member by its class name ("str", "Reference") in error locations.
    return getattr(annotation, "__name__", repr(annotation))


def _field(model: type[BaseModel], key: str) -> Any:
    for name, field in model.model_fields.items():
        if key in (name, field.alias):
            return field
    return None


def _item(data: Any, part: PathPart) -> Any:
    if isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
        return data[part]
    return None


def _pick_members(found: list[tuple[ErrorDetails, _Where]]) -> list[tuple[ErrorDetails, _Where]]:
    """Of a union's members, keep the errors of the member the value was meant as.

    A member that failed deeper than "wrong kind of value" is the one the author wrote; when
    every member refused the kind, all stay and are reported as one "must be X or Y".
    """
    chosen: dict[Loc, PathPart] = {}
    for error, where in found:
        tag, loc = where.union_at, error["loc"]
        if tag is not None and (len(loc) > tag + 1 or not error["type"].endswith("_type")):
            chosen.setdefault(tuple(loc[:tag]), loc[tag])
    kept = []
    for error, where in found:
        tag, loc = where.union_at, error["loc"]
        if tag is None or chosen.get(tuple(loc[:tag]), loc[tag]) == loc[tag]:
            kept.append((error, where))
    return kept


def _content_errors(
    document: Document,
    model: type[BaseModel],
    at: Loc,
    label: str,
    error: ErrorDetails,
    where: _Where,
) -> list[ContentError]:
    loc = (*at, *where.loc)
    prefix = label + where.items
    kind, context, value = error["type"], error.get("ctx") or {}, error.get("input")
    if kind == "content":
        return [
            document.error((*loc, *p.at), _join(prefix, p.message), p.hint, key=p.key)
            for p in context["problems"]
        ]
    field = _field(where.owner, where.key) if where.owner else None
    hint = (field.description or "") if field else ""
    subject = f"'{where.key}'" if where.key else ("" if prefix else "the file")
    if where.owner is None:  # the value as a whole is of the wrong kind: say what it holds
        hint = f"keys: {', '.join(f.alias or n for n, f in model.model_fields.items())}"
    if kind == "extra_forbidden" and where.owner is not None:
        retired: Mapping[str, str] = getattr(where.owner, "retired", {})
        if where.key in retired:
            noun = getattr(where.owner, "noun", "") or "file"
            message = f"'{where.key}' is no longer written in a {noun}"
            return [document.error(loc, _join(prefix, message), retired[where.key], key=True)]
        known = [f.alias or n for n, f in where.owner.model_fields.items()]
        hint = simulator.did_you_mean(where.key, known) or f"allowed keys: {', '.join(known)}"
        message = f"unknown key '{where.key}'"
        return [document.error(loc, _join(prefix, message), hint, key=True)]
    if kind == "missing":
        message = f"missing required key '{where.key}'"
        return [document.error(loc[:-1], _join(prefix, message), hint or f"add '{where.key}: …'")]
    if where.union_at == len(error["loc"]) - 1 and kind.endswith("_type"):
        members = _members(where.union)
        wanted = " or ".join(dict.fromkeys(_describe(m) for m in members))
        message = f"{subject} must be {wanted}, not {value!r}"
        return [document.error(loc, _join(prefix, message), hint)]
    message = _message(kind, subject, value, context, error["msg"])
    if kind == "literal_error":
        choices = [str(c) for c in typing.get_args(_bare(where.annotation))]
        hint = simulator.did_you_mean(value, choices) or hint
    return [document.error(loc, _join(prefix, message), hint)]


def _describe(annotation: Any) -> str:
    if _is_model(annotation):
        return "a mapping of keys to values"
    origin = typing.get_origin(annotation) or annotation
    name = {str: "string", dict: "dict", list: "list", int: "int", float: "float", bool: "bool"}
    return _KINDS.get(f"{name.get(origin, '')}_type", _tag(annotation))


def _message(kind: str, subject: str, value: Any, context: Mapping[str, Any], text: str) -> str:
    if kind in _KINDS:
        return f"{subject} must be {_KINDS[kind]}, not {value!r}"
    if kind == "literal_error":
        return f"{subject} must be one of {context.get('expected', '')}, not {value!r}"
    if kind in _LIMITS:
        bound, name = _LIMITS[kind]
        return f"{subject} must be {bound} {context.get(name)} (found {value!r})"
    if kind in ("too_short", "too_long"):
        return _count_message(kind, subject, value, context)
    if kind == "string_too_short" and context.get("min_length") == 1:
        return f"{subject} must be non-empty text"
    if kind == "string_too_short":
        return f"{subject} must be at least {context.get('min_length')} characters long"
    if kind == "string_too_long":
        return f"{subject} must be at most {context.get('max_length')} characters long"
    if kind == "string_pattern_mismatch":
        return f"{subject} {value!r} is not in the expected form"
    if kind in ("value_error", "assertion_error"):
        return text.split(", ", 1)[-1]
    return f"{subject}{text.removeprefix('Input')}, not {value!r}"


def _count_message(kind: str, subject: str, value: Any, context: Mapping[str, Any]) -> str:
    """'must be a non-empty mapping', 'must be a list of at most 3 items (found 5)'."""
    noun, entries = ("mapping", "keys") if isinstance(value, dict) else ("list", "items")
    low, high = context.get("min_length"), context.get("max_length")
    if kind == "too_short" and low == 1:
        return f"{subject} must be a non-empty {noun}"
    bound = f"at least {low}" if kind == "too_short" else f"at most {high}"
    found = context.get("actual_length")
    return f"{subject} must be a {noun} of {bound} {entries} (found {found})"


def _join(prefix: str, message: str) -> str:
    message = message.lstrip()  # a message about the labelled value itself has no subject
    return f"{prefix.removeprefix(', ')}: {message}" if prefix else message
