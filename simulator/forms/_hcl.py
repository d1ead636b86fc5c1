"""HCL read with python-hcl2's parser, kept with a line and column for every block and value."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from lark import Token, Tree
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput

Position = tuple[int, int]
Step = str | int


class HclSyntaxError(ValueError):
    """The text is not HCL: the message, line and column say where it stops making sense."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


@dataclass(frozen=True)
class Unknown:
    """A value known only after `terraform apply` (or one this reader does not evaluate)."""

    text: str
    reason: str = ""

    def __str__(self) -> str:
        return self.text


@dataclass
class Expr:
    """An expression as written: the parse tree and where it starts."""

    tree: Any
    position: Position


@dataclass
class Attribute:
    """`name = expression` inside a body."""

    name: str
    expr: Expr
    position: Position


@dataclass
class Block:
    """`type "label" ... { body }`."""

    type: str
    labels: list[str]
    body: Body
    position: Position
    file: str = ""


@dataclass
class Body:
    """The attributes (by name, in order) and nested blocks of a block or file."""

    attributes: dict[str, Attribute] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)
    duplicates: list[Attribute] = field(default_factory=list)

    def blocks_of(self, kind: str) -> list[Block]:
        return [b for b in self.blocks if b.type == kind]


def _pos(node: Any) -> Position:
    if isinstance(node, Token):
        return (node.line or 1, node.column or 1)
    meta = getattr(node, "meta", None)
    if meta is not None and not getattr(meta, "empty", True):
        return (meta.line, meta.column)
    return (1, 1)


_HEREDOC_START = re.compile(r"<<-?([A-Za-z][A-Za-z0-9._-]*)\s*$")


def _open_quote_line(text: str) -> int | None:
    """The first line whose quoted string is not closed on it (HCL strings are one line)."""
    marker: str | None = None
    for number, line in enumerate(text.splitlines(), 1):
        if marker is not None:
            if line.strip() == marker:
                marker = None
            continue
        inside, escaped = False, False
        for index, ch in enumerate(line):
            if escaped:
                escaped = False
            elif ch == "\\" and inside:
                escaped = True
            elif ch == '"':
                inside = not inside
            elif not inside and (ch == "#" or line.startswith("//", index)):
                break
        if inside:
            return number
        found = _HEREDOC_START.search(line)
        if found:
            marker = found.group(1)
    return None


def parse(text: str, filename: str = "<input>") -> Body:
    """The file's top-level body; HclSyntaxError for text that is not HCL."""
    try:
        return _parse(text, filename)
    except HclSyntaxError as exc:
        open_at = _open_quote_line(text)
        if open_at is not None and open_at <= exc.line:
            raise HclSyntaxError(
                "a quoted string is not closed on this line (HCL strings end on their line)",
                open_at,
                1,
            ) from None
        raise


def _parse(text: str, filename: str) -> Body:
    from hcl2.api import parses_to_tree

    try:
        tree = parses_to_tree(text)
    except UnexpectedCharacters as exc:
        shown = (
            text.splitlines()[exc.line - 1][exc.column - 1 : exc.column + 19] if exc.line else ""
        )
        raise HclSyntaxError(f"unexpected text {shown!r}", exc.line or 1, exc.column or 1) from None
    except UnexpectedEOF:
        lines = text.rstrip().splitlines() or [""]
        raise HclSyntaxError(
            "the file ends inside a block or expression (a missing `}` or `]`?)",
            len(lines),
            len(lines[-1]) + 1,
        ) from None
    except UnexpectedInput as exc:
        token = getattr(exc, "token", None)
        if token is not None and getattr(token, "type", "") == "$END":
            lines = text.rstrip().splitlines() or [""]
            raise HclSyntaxError(
                "the file ends inside a block or expression (a missing `}` or `]`?)",
                len(lines),
                len(lines[-1]) + 1,
            ) from None
        shown = f" {str(token)!r}" if token is not None and str(token).strip() else ""
        raise HclSyntaxError(
            f"unexpected{shown or ' end of line'}",
            getattr(exc, "line", 1) or 1,
            getattr(exc, "column", 1) or 1,
        ) from None
    except (LarkError, RuntimeError) as exc:
        raise HclSyntaxError(f"cannot read this HCL: {exc}", 1, 1) from None
    return _body(tree.children[0], filename)


def _name(node: Any) -> str:
    """The text of an identifier, keyword, literal or plain string used as a name or label."""
    if isinstance(node, Token):
        return str(node)
    if node.data == "string":
        return "".join(str(p.children[0]) for p in node.children if isinstance(p, Tree))
    return "".join(_name(c) for c in node.children)


def _body(tree: Tree, filename: str) -> Body:
    body = Body()
    for child in tree.children:
        if not isinstance(child, Tree):
            continue
        if child.data == "attribute":
            name_node, expr = child.children[0], child.children[-1]
            attr = Attribute(_name(name_node), Expr(expr, _pos(expr)), _pos(child))
            if attr.name in body.attributes:
                body.duplicates.append(attr)
            body.attributes[attr.name] = attr
        elif child.data == "block":
            parts = [c for c in child.children if isinstance(c, Tree)]
            inner = next(c for c in parts if c.data == "body")
            heads = [c for c in parts if c.data != "body" and c.data != "new_line_or_comment"]
            body.blocks.append(
                Block(
                    _name(heads[0]),
                    [_name(h) for h in heads[1:]],
                    _body(inner, filename),
                    _pos(child),
                    filename,
                )
            )
    return body


# -- expressions ---------------------------------------------------------------------------
Resolver = Callable[[list[Step], Position], Any]
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)")


def _unescape(text: str) -> str:
    def one(match: re.Match[str]) -> str:
        code = match.group(1)
        if code[0] in "uU" and len(code) > 1:
            return chr(int(code[1:], 16))
        return _ESCAPES.get(code, code)

    return _ESCAPE.sub(one, text).replace("$${", "${").replace("%%{", "%{")


def _parts(tree: Tree) -> list[Any]:
    """Children that carry meaning (no punctuation, newlines or comments)."""
    return [c for c in tree.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]


def source_text(tree: Any) -> str:
    """A compact rendering of an expression, for messages."""
    if isinstance(tree, Token):
        return str(tree)
    if tree.data in ("new_line_or_comment",):
        return ""
    pieces = [source_text(c) for c in tree.children]
    return "".join(pieces).strip()


class Evaluator:
    """Evaluates expressions; traversals (var.x, aws_x.y.name) go to the resolver."""

    FUNCTIONS = ("jsonencode", "lower", "upper", "join", "format", "tostring", "tonumber",
                 "trimspace", "replace", "concat", "merge", "lookup", "coalesce", "tolist",
                 "toset", "file")  # fmt: skip

    def __init__(self, resolve: Resolver, read_file: Callable[[str], str | None] | None = None):
        self.resolve = resolve
        self.read_file = read_file

    def value(self, expr: Expr) -> Any:
        return self.eval(expr.tree)

    def eval(self, node: Any) -> Any:
        if isinstance(node, Token):
            return str(node)
        kind = node.data
        if kind == "expr_term":
            inner = _parts(node)
            return self.eval(inner[0]) if inner else None
        if kind == "string":
            return self._string(node)
        if kind == "int_lit":
            return int(str(node.children[0]))
        if kind == "float_lit":
            return float(str(node.children[0]))
        if kind == "literal_value":
            word = str(node.children[0])
            return {"true": True, "false": False, "null": None}[word]
        if kind == "tuple":
            return [self.eval(c) for c in _parts(node)]
        if kind == "object":
            out: dict[str, Any] = {}
            for elem in _parts(node):
                key_node, value_node = _parts(elem)[0], _parts(elem)[-1]
                key = self._key(key_node)
                out[key] = self.eval(value_node)
            return out
        if kind in ("heredoc_template", "heredoc_template_trim"):
            return self._heredoc(str(node.children[0]), kind.endswith("trim"))
        if kind in ("identifier", "get_attr_expr_term", "index_expr_term"):
            root, steps = self._traversal(node)
            if root is None:
                return Unknown(source_text(node), "an expression this reader does not evaluate")
            return self.resolve(steps, _pos(node))
        if kind in ("attr_splat_expr_term", "full_splat_expr_term"):
            return Unknown(source_text(node), "a splat expression (known after apply)")
        if kind == "function_call":
            return self._call(node)
        if kind == "conditional":
            cond, yes, no = _parts(node)
            test = self.eval(cond)
            if isinstance(test, bool):
                return self.eval(yes if test else no)
            return Unknown(source_text(node), "a condition known only after apply")
        if kind == "unary_op":
            op, operand = str(node.children[0]), self.eval(node.children[1])
            if op == "-" and isinstance(operand, int | float) and not isinstance(operand, bool):
                return -operand
            if op == "!" and isinstance(operand, bool):
                return not operand
            return Unknown(source_text(node), "an operation on an unknown value")
        if kind == "binary_op":
            return self._binary(node)
        return Unknown(source_text(node), f"{kind.replace('_', ' ')} is not evaluated here")

    def _key(self, node: Tree) -> str:
        inner = _parts(node)
        target = inner[0] if inner else node
        while isinstance(target, Tree) and target.data == "expr_term" and _parts(target):
            target = _parts(target)[0]
        if isinstance(target, Tree) and target.data == "identifier":
            return _name(target)
        if isinstance(target, Tree) and target.data == "keyword":
            return _name(target)
        value = self.eval(target)
        return str(value)

    def _string(self, node: Tree) -> Any:
        pieces: list[Any] = []
        for part in node.children:
            if not isinstance(part, Tree):
                continue
            child = part.children[0]
            if isinstance(child, Token):
                if child.type in ("ESCAPED_INTERPOLATION", "ESCAPED_DIRECTIVE"):
                    pieces.append(str(child)[1:])
                else:
                    pieces.append(_unescape(str(child)))
            elif child.data == "interpolation":
                pieces.append(self.eval(_parts(child)[0]))
            else:
                return Unknown(source_text(node), "a template directive (%{...})")
        return _join(pieces, source_text(node))

    def _heredoc(self, token: str, trim: bool) -> Any:
        first, _, rest = token.partition("\n")
        marker = first.lstrip("<-").strip()
        body = rest.rstrip("\n")
        body = body[: body.rfind("\n") + 1] if body.strip().endswith(marker) else body
        lines = body.splitlines(keepends=True)
        if trim:
            widths = [len(ln) - len(ln.lstrip(" ")) for ln in lines if ln.strip()]
            cut = min(widths, default=0)
            lines = [ln[cut:] for ln in lines]
        text = "".join(lines)
        if "${" not in text.replace("$${", ""):
            return text.replace("$${", "${")
        return self._template(text)

    def _template(self, text: str) -> Any:
        from hcl2.api import parses_to_tree

        pieces: list[Any] = []
        index = 0
        while index < len(text):
            start = text.find("${", index)
            if start < 0:
                pieces.append(text[index:])
                break
            if start > 0 and text[start - 1] == "$":
                pieces.append(text[index : start - 1] + "${")
                index = start + 2
                continue
            end = text.find("}", start)
            if end < 0:
                pieces.append(text[index:])
                break
            pieces.append(text[index:start])
            try:
                tree = parses_to_tree(f"x = {text[start + 2 : end]}\n")
                attr = next(c for c in tree.children[0].children if isinstance(c, Tree))
                pieces.append(self.eval(attr.children[-1]))
            except (LarkError, StopIteration):
                pieces.append(Unknown(text[start : end + 1], "an interpolation not understood"))
            index = end + 1
        return _join(pieces, text)

    def _traversal(self, node: Any) -> tuple[str | None, list[Step]]:
        steps: list[Step] = []
        while True:
            if node.data == "identifier":
                name = _name(node)
                return name, [name, *reversed(steps)]
            if node.data == "expr_term":
                inner = _parts(node)
                if len(inner) != 1:
                    return None, []
                node = inner[0]
                continue
            if node.data == "get_attr_expr_term":
                base, attr = _parts(node)
                steps.append(_name(_parts(attr)[0]))
                node = base
                continue
            if node.data == "index_expr_term":
                base, index = _parts(node)
                if index.data == "short_index":
                    steps.append(int(str(index.children[-1])))
                else:
                    value = self.eval(_parts(index)[0])
                    if isinstance(value, Unknown | bool):
                        return None, []
                    steps.append(value if isinstance(value, int) else str(value))
                node = base
                continue
            return None, []

    def _call(self, node: Tree) -> Any:
        parts = _parts(node)
        name = _name(parts[0])
        args_node = parts[1] if len(parts) > 1 else None
        args = [self.eval(a) for a in _parts(args_node)] if args_node is not None else []
        text = source_text(node)
        if name not in self.FUNCTIONS:
            return Unknown(text, f"the function {name}() is not evaluated here")
        if any(_has_unknown(a) for a in args):
            return Unknown(text, "a function of a value known only after apply")
        try:
            return _FUNCTIONS[name](self, args)
        except (TypeError, ValueError, KeyError, IndexError) as exc:
            return Unknown(text, f"{name}() failed: {exc}")

    def _binary(self, node: Tree) -> Any:
        left = self.eval(node.children[0])
        term = next(c for c in node.children[1:] if isinstance(c, Tree) and c.data == "binary_term")
        op = str(_flatten_token(term.children[0]))
        right = self.eval(next(c for c in term.children[1:] if isinstance(c, Tree)
                               and c.data != "new_line_or_comment"))  # fmt: skip
        if _has_unknown(left) or _has_unknown(right):
            return Unknown(source_text(node), "an operation on a value known only after apply")
        try:
            return _OPS[op](left, right)
        except (TypeError, ZeroDivisionError, KeyError):
            return Unknown(source_text(node), f"the operation {op} cannot be evaluated")


def _flatten_token(node: Any) -> Any:
    while isinstance(node, Tree):
        node = node.children[0]
    return node


_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "%": lambda a, b: a % b,
    "&&": lambda a, b: a and b,
    "||": lambda a, b: a or b,
}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _join(pieces: list[Any], text: str) -> Any:
    if any(_has_unknown(p) for p in pieces):
        return Unknown(text, "a string with a value known only after apply")
    if len(pieces) == 1 and not isinstance(pieces[0], str):
        return _text(pieces[0]) if pieces[0] is not None else ""
    return "".join(_text(p) if p is not None else "" for p in pieces)


def _has_unknown(value: Any) -> bool:
    if isinstance(value, Unknown):
        return True
    if isinstance(value, dict):
        return any(_has_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_unknown(v) for v in value)
    return False


def has_unknown(value: Any) -> bool:
    """True when any part of the value is an Unknown."""
    return _has_unknown(value)


def _file(evaluator: Evaluator, args: list[Any]) -> Any:
    if evaluator.read_file is None:
        raise ValueError("no files are readable here")
    found = evaluator.read_file(str(args[0]))
    if found is None:
        raise ValueError(f"no such file {args[0]!r}")
    return found


def _lookup(_e: Evaluator, a: list[Any]) -> Any:
    return a[0][a[1]] if a[1] in a[0] or len(a) < 3 else a[2]


_FUNCTIONS: dict[str, Callable[[Evaluator, list[Any]], Any]] = {
    "jsonencode": lambda _e, a: json.dumps(a[0], separators=(",", ":")),
    "lower": lambda _e, a: str(a[0]).lower(),
    "upper": lambda _e, a: str(a[0]).upper(),
    "join": lambda _e, a: str(a[0]).join(_text(x) for x in a[1]),
    "format": lambda _e, a: _format(a[0], a[1:]),
    "tostring": lambda _e, a: _text(a[0]),
    "tonumber": lambda _e, a: float(a[0]) if "." in str(a[0]) else int(a[0]),
    "trimspace": lambda _e, a: str(a[0]).strip(),
    "replace": lambda _e, a: str(a[0]).replace(str(a[1]), str(a[2])),
    "concat": lambda _e, a: [x for part in a for x in part],
    "merge": lambda _e, a: {k: v for part in a for k, v in part.items()},
    "lookup": _lookup,
    "coalesce": lambda _e, a: next(x for x in a if x not in (None, "")),
    "tolist": lambda _e, a: list(a[0]),
    "toset": lambda _e, a: sorted(set(a[0]), key=str),
    "file": _file,
}


def _format(spec: str, args: list[Any]) -> str:
    values = iter(args)

    def one(match: re.Match[str]) -> str:
        if match.group(0) == "%%":
            return "%"
        return _text(next(values))

    return re.sub(r"%%|%[-+ #0-9.]*[sdvqft]", one, spec)


def walk_blocks(body: Body) -> Iterator[Block]:
    """Every block, depth first."""
    for block in body.blocks:
        yield block
        yield from walk_blocks(block.body)


def _literal_node(tree: Any) -> Any:
    """The tuple/object node under expr_term wrappers, or None."""
    node = tree
    while isinstance(node, Tree) and node.data == "expr_term":
        inner = _parts(node)
        if len(inner) != 1:
            return None
        node = inner[0]
    return node if isinstance(node, Tree) and node.data in ("tuple", "object") else None


def element_positions(expr: Expr) -> list[Position]:
    """Where each element of a literal `[...]` starts (empty for any other expression)."""
    node = _literal_node(expr.tree)
    if node is None or node.data != "tuple":
        return []
    return [_pos(c) for c in _parts(node)]


def key_positions(expr: Expr, evaluator: Evaluator) -> dict[str, tuple[Position, Position]]:
    """For a literal `{...}`: key -> (key position, value position)."""
    node = _literal_node(expr.tree)
    if node is None or node.data != "object":
        return {}
    out: dict[str, tuple[Position, Position]] = {}
    for elem in _parts(node):
        key_node, value_node = _parts(elem)[0], _parts(elem)[-1]
        out[evaluator._key(key_node)] = (_pos(key_node), _pos(value_node))
    return out


def duplicate_keys(expr: Expr, evaluator: Evaluator) -> list[tuple[str, Position]]:
    """Keys written twice in a literal `{...}` (Terraform refuses them)."""
    node = _literal_node(expr.tree)
    if node is None or node.data != "object":
        return []
    seen: set[str] = set()
    out = []
    for elem in _parts(node):
        key_node = _parts(elem)[0]
        key = evaluator._key(key_node)
        if key in seen:
            out.append((key, _pos(key_node)))
        seen.add(key)
    return out
