"""Safe loading of untrusted YAML/JSON: caps, no arbitrary tags, a position for every node."""

from __future__ import annotations

import base64
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from simulator._findings import Finding, Path, Severity, format_path

try:  # libyaml makes composing ~10x faster; the raw-text caps below run before it either way.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - PyYAML without libyaml
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_BYTES = 2 * 1024 * 1024
"""Largest document accepted (the largest real template in the corpus is ~160 KB)."""
MAX_DEPTH = 64
"""Deepest nesting accepted; real files stay under 20 levels."""
MAX_NODES = 200_000
"""Most values built, counting every alias expansion (stops "billion laughs" bombs)."""
MAX_ALIASES = 1_000
"""Most alias (`*name`) uses in one document."""
MAX_DIGITS = 60
"""Longest plain number turned into a Python int/float; longer ones are refused."""

LOAD_DOC = "codebuild-buildspec/buildspec-structure"

_TAG = "tag:yaml.org,2002:"
# CloudFormation short-form tags -> the long form key they stand for.
CFN_TAGS = {
    "!Ref": "Ref",
    "!Condition": "Condition",
    **{
        f"!{name}": f"Fn::{name}"
        for name in [
            "And",
            "Base64",
            "Cidr",
            "Equals",
            "FindInMap",
            "ForEach",
            "GetAZs",
            "GetAtt",
            "If",
            "ImportValue",
            "Join",
            "Length",
            "Not",
            "Or",
            "Select",
            "Split",
            "Sub",
            "ToJsonString",
            "Transform",
        ]
    },
}
_YAML11_BOOL = {"yes": True, "no": False, "on": True, "off": False, "true": True, "false": False}
_FLOW_QUOTED = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|#.*')
_INDENT = re.compile(r"^[ \t]*(?:[-?:][ \t]+)*", re.M)

LOADING_CODES: dict[str, tuple[Severity, str]] = {
    "YM001": (Severity.INFO, "kind of file decided automatically"),
    "YM002": (Severity.ERROR, "empty document"),
    "YM003": (Severity.ERROR, "binary file"),
    "YM004": (Severity.ERROR, "not UTF-8 text"),
    "YM005": (Severity.ERROR, "file too large"),
    "YM006": (Severity.ERROR, "nesting too deep"),
    "YM007": (Severity.ERROR, "too many aliases or alias expansion too large"),
    "YM008": (Severity.ERROR, "tag not allowed"),
    "YM009": (Severity.ERROR, "YAML or JSON syntax error"),
    "YM010": (Severity.ERROR, "number too long"),
    "YM012": (Severity.WARNING, "duplicate key"),
    "YM013": (Severity.ERROR, "more than one YAML document"),
    "YM014": (Severity.ERROR, "top level is not a mapping"),
    "YM015": (Severity.ERROR, "file cannot be read"),
    "YM016": (Severity.ERROR, "kind of file could not be decided"),
}


class _Refused(Exception):
    """A cap was hit while building values: stop and report one finding."""

    def __init__(self, code: str, message: str, hint: str, mark: Any = None) -> None:
        super().__init__(message)
        self.code, self.message, self.hint, self.mark = code, message, hint, mark


@dataclass
class Loaded:
    """A loaded document: plain data (None when loading failed), findings, node positions."""

    data: Any
    findings: list[Finding] = field(default_factory=list)
    filename: str = "<input>"
    positions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    raw: dict[Path, str] = field(default_factory=dict)
    """Source text of plain scalars that YAML turned into a non-string (bool, int, float...)."""
    is_json: bool = False
    pending_source: str | None = field(default=None, repr=False)
    """JSON text whose node positions are computed on the first `position()` call."""

    def position(self, path: Path, *, key: bool = False) -> tuple[int, int]:
        """(line, column), 1-based, of the value (or key) at `path`, else its nearest ancestor."""
        if self.pending_source is not None:
            text, self.pending_source = self.pending_source, None
            _fill_positions(self, text)
        if key and path in self.key_positions:
            return self.key_positions[path]
        probe = tuple(path)
        while probe:
            if probe in self.positions:
                return self.positions[probe]
            if probe in self.key_positions:
                return self.key_positions[probe]
            probe = probe[:-1]
        return self.positions.get((), (1, 1))

    @property
    def ok(self) -> bool:
        """True when the document loaded (data is usable)."""
        return self.data is not None


def _finding(
    code: str, message: str, hint: str, filename: str, line: int = 1, col: int = 1, path: str = ""
) -> Finding:
    severity, _ = LOADING_CODES[code]
    return Finding(code, severity, line, col, path, message, hint, filename, LOAD_DOC)


def _decode(raw: bytes, filename: str) -> tuple[str | None, Finding | None]:
    """Bytes -> text, refusing binary data and encodings other than UTF-8."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, _finding(
            "YM004",
            "the file is UTF-16 encoded (it starts with a UTF-16 byte-order mark)",
            "save it as UTF-8: AWS reads buildspec, appspec and pipeline files as UTF-8",
            filename,
        )
    if b"\x00" in raw[:8192] or b"\x00" in raw:
        offset = raw.index(b"\x00")
        line = raw.count(b"\n", 0, offset) + 1
        return None, _finding(
            "YM003",
            f"this is a binary file, not text (a NUL byte at offset {offset})",
            "check that you chose the right file: a YAML or JSON text file is expected",
            filename,
            line,
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        guess = raw[exc.start : exc.start + 1].decode("cp1252", errors="replace")
        return None, _finding(
            "YM004",
            f"byte 0x{raw[exc.start]:02x} is not valid UTF-8 (it looks like Windows-1252/Latin-1"
            f" text: {guess!r})",
            "re-save the file as UTF-8 (in most editors: 'Save with encoding' -> UTF-8)",
            filename,
            line,
            col,
        )


def decode_text(raw: bytes, filename: str) -> tuple[str | None, Finding | None]:
    """Bytes -> text (UTF-8, BOM dropped), or the finding that says why not."""
    return _decode(raw, filename)


def _depth_problem(text: str) -> tuple[int, int] | None:
    """(depth, line) if the raw text nests deeper than MAX_DEPTH, before any parser runs.

    libyaml's composer recurses once per level and crashes the process near 30,000 levels, so
    this counts on the raw text: flow brackets outside quotes, and block indentation levels.
    """
    if text.count("[") + text.count("{") > MAX_DEPTH:
        depth = 0
        for number, line in enumerate(text.splitlines(), 1):
            if "[" not in line and "{" not in line and "]" not in line and "}" not in line:
                continue
            bare = (
                _FLOW_QUOTED.sub("", line) if ('"' in line or "'" in line or "#" in line) else line
            )
            for ch in bare:
                if ch in "[{":
                    depth += 1
                    if depth > MAX_DEPTH:
                        return depth, number
                elif ch in "]}" and depth:
                    depth -= 1
    widest = max(map(len, _INDENT.findall(text)), default=0)
    if widest <= MAX_DEPTH:
        return None  # each block level takes at least one column: cannot be too deep
    stack: list[int] = []
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.lstrip(" ")
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(line) - len(stripped)
        while stack and stack[-1] >= indent:
            stack.pop()
        stack.append(indent)
        # _INDENT matches every line (all of it is optional); the check satisfies the type.
        lead = _INDENT.match(stripped)
        chain = len(lead.group(0).split()) if lead and stripped[0] in "-?:" else 0
        if len(stack) + chain > MAX_DEPTH:
            return len(stack) + chain, number
    return None


def _event_depth(text: str) -> tuple[int, int] | None:
    """(depth, line) if the YAML events nest deeper than MAX_DEPTH.

    The backstop behind the raw-text count, for texts with many brackets: quoting rules are
    too subtle for a raw scan to be exact. libyaml's event parser keeps its own stack (it
    handles 100,000 levels without trouble); only the composer recurses, and it runs after.
    """
    parser = _Loader(text)
    depth = 0
    try:
        while (event := parser.get_event()) is not None:
            if isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    mark = event.start_mark
                    return depth, mark.line + 1 if mark is not None else 0
            elif isinstance(event, yaml.SequenceEndEvent | yaml.MappingEndEvent):
                depth -= 1
    finally:
        parser.dispose()
    return None


class _Builder:
    """Turns a composed node tree into plain Python data, recording positions and raw text."""

    def __init__(self, loaded: Loaded) -> None:
        self.loaded = loaded
        self.count = 0
        self.aliases = 0
        self.seen: set[int] = set()
        self.active: set[int] = set()

    def build(self, node: yaml.Node, path: Path, depth: int = 0) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _Refused(
                "YM007",
                f"the document expands to more than {MAX_NODES:,} values (alias expansion bomb?)",
                "write the values out instead of nesting aliases of aliases",
                node.start_mark,
            )
        if depth > MAX_DEPTH:
            raise _Refused(
                "YM006",
                f"values nest more than {MAX_DEPTH} levels deep",
                "flatten the structure",
                node.start_mark,
            )
        ident = id(node)
        if ident in self.seen and not isinstance(node, yaml.ScalarNode):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise _Refused(
                    "YM007",
                    f"more than {MAX_ALIASES} alias uses",
                    "write the values out instead of using so many aliases",
                    node.start_mark,
                )
        if ident in self.active:
            raise _Refused(
                "YM007",
                "an alias refers to the value that contains it (a recursive structure)",
                "remove the self-referencing alias",
                node.start_mark,
            )
        self.seen.add(ident)
        self.loaded.positions.setdefault(
            path, (node.start_mark.line + 1, node.start_mark.column + 1)
        )
        tag = node.tag or ""
        if tag.startswith(_TAG + "python/") or tag.startswith("!!python"):
            raise _Refused(
                "YM008",
                f"tag {tag.replace(_TAG, '!!')} is not allowed: it asks the loader to create"
                " Python objects or run code",
                "remove the tag; only plain YAML values (and CloudFormation short forms such as"
                " !Ref in templates) are accepted",
                node.start_mark,
            )
        if tag in CFN_TAGS:
            return self._cfn(node, path, depth)
        self.active.add(ident)
        try:
            if isinstance(node, yaml.ScalarNode):
                return self._scalar(node, path)
            if isinstance(node, yaml.SequenceNode):
                self._check_tag(node, (_TAG + "seq", _TAG + "omap", _TAG + "pairs"))
                return [
                    self.build(child, (*path, i), depth + 1) for i, child in enumerate(node.value)
                ]
            if not isinstance(node, yaml.MappingNode):  # the composer builds no other kind
                raise TypeError(f"unexpected YAML node {type(node).__name__}")
            self._check_tag(node, (_TAG + "map", _TAG + "set"))
            return self._mapping(node, path, depth)
        finally:
            self.active.discard(ident)

    def _check_tag(self, node: yaml.Node, allowed: tuple[str, ...]) -> None:
        if node.tag not in allowed:
            raise _Refused(
                "YM008",
                f"tag {node.tag.replace(_TAG, '!!')} is not allowed here",
                "remove the tag: only plain YAML values are accepted",
                node.start_mark,
            )

    def _cfn(self, node: yaml.Node, path: Path, depth: int) -> dict[str, Any]:
        long_name = CFN_TAGS[node.tag]
        if isinstance(node, yaml.ScalarNode):
            value: Any = node.value
            if long_name == "Fn::GetAtt":
                value = value.split(".", 1)
            elif long_name == "Fn::GetAZs" and value == "":
                value = ""
        elif isinstance(node, yaml.SequenceNode):
            value = [
                self.build(c, (*path, long_name, i), depth + 1) for i, c in enumerate(node.value)
            ]
        elif isinstance(node, yaml.MappingNode):
            value = self._mapping(node, (*path, long_name), depth)
        else:  # the composer builds no other kind
            raise TypeError(f"unexpected YAML node {type(node).__name__}")
        return {long_name: value}

    def _mapping(self, node: yaml.MappingNode, path: Path, depth: int) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        merged: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _TAG + "merge":
                sources = (
                    value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                )
                for source in sources:
                    built = self.build(source, path, depth + 1)
                    if isinstance(built, dict):
                        for k, v in built.items():
                            merged.setdefault(k, v)
                continue
            if isinstance(key_node, yaml.ScalarNode):
                key = self._scalar(key_node, None)
            else:
                key = str(self.build(key_node, (*path, "<key>"), depth + 1))
            if not isinstance(key, str | int | float | bool) or key is None:
                key = "null" if key is None else str(key)
            child: Path = (*path, key)
            kpos = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if key in result:
                self.loaded.findings.append(
                    _finding(
                        "YM012",
                        f"key {key!r} appears twice in the same mapping; the last one wins",
                        "remove or merge one of the two entries",
                        self.loaded.filename,
                        *kpos,
                        path=format_path(child),
                    )
                )
            self.loaded.key_positions[child] = kpos
            result[key] = self.build(value_node, child, depth + 1)
        for k, v in merged.items():
            result.setdefault(k, v)
        return result

    def _scalar(self, node: yaml.ScalarNode, path: Path | None) -> Any:
        tag, text = node.tag, node.value
        plain = not node.style
        if tag == _TAG + "str" or tag == _TAG + "timestamp" or tag == _TAG + "binary":
            if tag == _TAG + "binary":
                try:
                    return base64.b64decode(text).decode("utf-8", "replace")
                except ValueError:
                    return text
            return text
        if tag == _TAG + "null":
            value: Any = None
        elif tag == _TAG + "bool":
            value = _YAML11_BOOL.get(text.lower(), bool(text))
        elif tag == _TAG + "int" or tag == _TAG + "float":
            kind = tag[len(_TAG) :]
            try:
                value = self._int(node) if kind == "int" else self._float(node)
            except ValueError:  # `!!int abc`, or a plain 0x_ that YAML 1.1 calls a number
                raise _Refused(
                    "YM009",
                    f"{text[:40]!r} is not a valid {kind}",
                    "write a plain number, or quote the value if it is meant as text",
                    node.start_mark,
                ) from None
        elif tag == _TAG + "value" or tag == _TAG + "merge":
            value = text
        elif tag.startswith("!") or tag.startswith(_TAG):
            raise _Refused(
                "YM008",
                f"tag {tag.replace(_TAG, '!!')} is not allowed",
                "remove the tag: only plain YAML values (and CloudFormation short forms such as"
                " !Ref in templates) are accepted",
                node.start_mark,
            )
        else:
            value = text
        if plain and path is not None and not isinstance(value, str):
            self.loaded.raw[path] = text
        return value

    def _too_long(self, node: yaml.ScalarNode) -> None:
        digits = sum(ch.isdigit() for ch in node.value[: MAX_DIGITS * 2 + 10])
        if digits > MAX_DIGITS:
            raise _Refused(
                "YM010",
                f"a number with {len(node.value):,} characters is far too long to be meaningful",
                "quote it if it is meant as text, or shorten it",
                node.start_mark,
            )

    def _int(self, node: yaml.ScalarNode) -> int:
        self._too_long(node)
        text = node.value.replace("_", "")
        sign = -1 if text.startswith("-") else 1
        text = text.lstrip("+-")
        if text == "0":
            return 0
        if text.startswith("0b"):
            return sign * int(text[2:], 2)
        if text.startswith("0x"):
            return sign * int(text[2:], 16)
        if text.startswith("0"):
            return sign * int(text, 8)  # YAML 1.1: a leading zero means octal (0644 -> 420)
        if ":" in text:
            total = 0
            for part in text.split(":"):
                total = total * 60 + int(part)
            return sign * total
        return sign * int(text)

    def _float(self, node: yaml.ScalarNode) -> float:
        self._too_long(node)
        text = node.value.replace("_", "").lower()
        sign = -1.0 if text.startswith("-") else 1.0
        text = text.lstrip("+-")
        if text == ".inf":
            return sign * math.inf
        if text == ".nan":
            return math.nan
        if ":" in text:
            total = 0.0
            for part in text.split(":"):
                total = total * 60 + float(part)
            return sign * total
        return sign * float(text)


def _mark_finding(code: str, message: str, hint: str, filename: str, mark: Any) -> Finding:
    if mark is None:
        return _finding(code, message, hint, filename)
    return _finding(code, message, hint, filename, mark.line + 1, mark.column + 1)


def _json_fallback(text: str, loaded: Loaded) -> bool:
    """JSON that YAML 1.1 cannot read (rare escapes): load it as JSON, positions per top key."""
    try:
        loaded.data = json.loads(text)
    except (ValueError, RecursionError):
        return False
    loaded.is_json = True
    return True


def load_document(text: str | bytes, *, filename: str = "<input>") -> Loaded:
    """Load untrusted YAML or JSON safely; `Loaded.data` is None when it could not be loaded."""
    loaded = Loaded(data=None, filename=filename)
    if len(text) > MAX_BYTES:
        loaded.findings.append(
            _finding(
                "YM005",
                f"the file is {len(text):,} bytes; the limit is {MAX_BYTES:,}",
                "check the file: buildspec, appspec and pipeline files are a few kilobytes",
                filename,
            )
        )
        return loaded
    if isinstance(text, bytes):
        decoded, problem = _decode(text, filename)
        if problem:
            loaded.findings.append(problem)
            return loaded
        text = decoded or ""
    elif "\x00" in text:
        offset = text.index("\x00")
        loaded.findings.append(
            _finding(
                "YM003",
                f"this is binary data, not text (a NUL character at offset {offset})",
                "a YAML or JSON text file is expected",
                filename,
                text.count("\n", 0, offset) + 1,
            )
        )
        return loaded
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip() or all(
        not ln.strip() or ln.lstrip().startswith("#") or ln.strip() in ("---", "...")
        for ln in text.splitlines()
    ):
        loaded.findings.append(
            _finding(
                "YM002",
                "the document is empty",
                "write at least the required keys (a buildspec needs `version` and `phases`)",
                filename,
            )
        )
        return loaded
    deep = _depth_problem(text)
    if deep:
        loaded.findings.append(
            _finding(
                "YM006",
                f"nesting deeper than {MAX_DEPTH} levels (refused before parsing)",
                "flatten the structure; real configuration files nest fewer than 20 levels",
                filename,
                deep[1],
            )
        )
        return loaded
    loaded.is_json = text.lstrip().startswith(("{", "["))
    if loaded.is_json and _load_json(text, loaded):
        return loaded
    return _load_yaml(text, loaded)


def _load_json(text: str, loaded: Loaded) -> bool:
    """Fast path for JSON: the json module now, node positions only when a rule needs one."""
    duplicates: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in items:
            if key in result:
                duplicates.append(key)
            result[key] = value
        return result

    try:
        data = json.loads(text, object_pairs_hook=pairs)
    except (ValueError, RecursionError):
        return False  # the YAML path reports the problem with its line and column
    if duplicates or data is None:
        return False  # the YAML path reports duplicate keys at their lines
    loaded.data = data
    loaded.pending_source = text
    return True


def _compose(text: str) -> yaml.Node | None:
    """libyaml's composer, after the event-level depth backstop when the text has many brackets."""
    if text.count("[") + text.count("{") > MAX_DEPTH:
        deep = _event_depth(text)
        if deep:
            raise _Refused(
                "YM006",
                f"nesting deeper than {MAX_DEPTH} levels",
                "flatten the structure; real configuration files nest fewer than 20 levels",
                _LineMark(deep[1]),
            )
    parser = _Loader(text)
    try:
        return parser.get_single_node()
    finally:
        parser.dispose()


class _LineMark:
    """A stand-in for a yaml Mark when only the line is known."""

    def __init__(self, line: int) -> None:
        self.line, self.column = line - 1, 0


def _load_yaml(text: str, loaded: Loaded) -> Loaded:
    filename = loaded.filename
    try:
        node = _compose(text)
    except _Refused as refused:
        loaded.findings.append(
            _mark_finding(refused.code, refused.message, refused.hint, filename, refused.mark)
        )
        return loaded
    except yaml.composer.ComposerError as exc:
        if "expected a single document" in str(exc):
            loaded.findings.append(
                _mark_finding(
                    "YM013",
                    "the file holds more than one YAML document (a second `---`)",
                    "keep one document per file: remove the second `---` and what follows,"
                    " or merge them",
                    filename,
                    exc.problem_mark,
                )
            )
            return loaded
        return _syntax_error(exc, text, loaded)
    except yaml.YAMLError as exc:
        return _syntax_error(exc, text, loaded)
    if node is None:
        loaded.findings.append(_finding("YM002", "the document is empty", "", filename))
        return loaded
    builder = _Builder(loaded)
    try:
        loaded.data = builder.build(node, ())
    except _Refused as refused:
        loaded.data = None
        loaded.findings.append(
            _mark_finding(refused.code, refused.message, refused.hint, filename, refused.mark)
        )
    except RecursionError:
        loaded.data = None
        loaded.findings.append(
            _finding("YM006", "values nest too deeply", "flatten the structure", filename)
        )
    return loaded


def _fill_positions(loaded: Loaded, text: str) -> None:
    """Positions for a document loaded by the JSON fast path (composed on first use)."""
    scratch = Loaded(data=None, filename=loaded.filename)
    try:
        node = _compose(text)
        if node is not None:
            _Builder(scratch).build(node, ())
    except (yaml.YAMLError, _Refused, RecursionError):
        pass  # positions stay unknown: findings fall back to line 1
    loaded.positions.update(scratch.positions)
    loaded.key_positions.update(scratch.key_positions)


def _syntax_error(exc: yaml.YAMLError, text: str, loaded: Loaded) -> Loaded:
    if loaded.is_json and _json_fallback(text, loaded):
        return loaded
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    message = f"syntax error: {problem}" + (f" ({context})" if context else "")
    hint = "check the indentation and quoting on this line and the one before it"
    if "mapping values are not allowed" in message:
        hint = "a value containing ': ' (colon and space) must be quoted, e.g. - \"echo a: b\""
    elif "found character '\\t'" in message or "\\t" in message:
        hint = "YAML does not allow tabs for indentation: use spaces"
    elif loaded.is_json:
        hint = "check for a missing comma, quote or bracket near this position"
    loaded.findings.append(_mark_finding("YM009", message, hint, loaded.filename, mark))
    return loaded
