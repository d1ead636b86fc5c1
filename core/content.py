"""Content as code: precise errors, front matter, and the all-or-nothing loader run."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

import simulator
from simulator import Severity


class ContentError(Exception):
    """A problem in a content file, located precisely enough to fix it."""

    def __init__(
        self,
        path: Path | str,
        line: int | None,
        message: str,
        hint: str = "",
        *,
        column: int | None = None,
    ) -> None:
        self.path = Path(path)
        self.line = line
        self.column = column
        self.message = message
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        # path:line:column is the form editors and terminals turn into a jump to the spot.
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        if self.line and self.column:
            where += f":{self.column}"
        return f"{where}: {self.message}" + (f" (hint: {self.hint})" if self.hint else "")


class ContentErrors(Exception):
    """Several content errors found in one run; none of the content was loaded."""

    def __init__(self, errors: list[ContentError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


@dataclass
class LoadReport:
    """What a load_content run did, counted per kind of object, plus warnings."""

    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # load_content --force: overwrite objects edited in the admin since their last load.
    force: bool = False

    def count(self, what: str, n: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + n

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def summary(self) -> str:
        parts = [f"{n} {what}" for what, n in sorted(self.counts.items())]
        return ", ".join(parts) if parts else "nothing"


# Content files are small (the largest lesson is a few kilobytes): anything bigger is a mistake
# (a binary, a log, a generated dump) and is refused before it is read or parsed.
MAX_FILE_BYTES = 2 * 1024 * 1024


def yaml_load(path: Path, text: str | None = None, *, first_line: int = 1) -> Any:
    """Parse a content YAML file with the simulator's hardened loader (no Python tags, capped
    depth, aliases and sizes, duplicate keys refused); any problem is a ContentError at its line.
    Returns None for an empty document, as yaml.safe_load does."""
    if text is None:
        text = read_text(path)
    loaded = simulator.load_document(text, filename=str(path))
    for finding in loaded.findings:
        if finding.code == "YM002":
            return None  # empty: callers say what the document should have held
        if finding.severity in (Severity.ERROR, Severity.WARNING):
            line = finding.line + first_line - 1
            message = f"invalid YAML: {finding.message}"
            raise ContentError(path, line, message, finding.hint)
    return loaded.data


def read_text(path: Path) -> str:
    """Read a UTF-8 content file; too big, binary or wrongly encoded files are content errors."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ContentError(
                path,
                1,
                f"the file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}",
                "content files are text of a few kilobytes: check that this is the right file",
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise ContentError(path, None, f"cannot read file: {exc.strerror}") from exc
    if b"\x00" in raw:
        offset = raw.index(b"\x00")
        raise ContentError(
            path,
            raw.count(b"\n", 0, offset) + 1,
            f"binary data, not text (a NUL byte at offset {offset})",
            "content files are UTF-8 text",
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ContentError(
            path,
            line,
            f"not UTF-8 text ({exc.reason} at byte {exc.start})",
            "re-save the file as UTF-8",
        ) from exc
    # Universal newlines, as text-mode reading gives: CRLF files load exactly like LF ones.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def key_line(text: str, key: str, *, first_line: int = 1) -> int | None:
    """The line of a top-level `key:` in a YAML text, for pointing errors at the right place."""
    for number, line in enumerate(text.splitlines(), start=first_line):
        if line.startswith(f"{key}:"):
            return number
    return None


@dataclass(frozen=True)
class FrontMatterDocument:
    """A Markdown file split into its YAML front matter and its body."""

    meta: dict[str, Any]
    body: str
    meta_text: str
    body_first_line: int


def split_front_matter(path: Path, text: str | None = None) -> FrontMatterDocument:
    """Split `---`-fenced YAML front matter from a Markdown body, with line-accurate errors."""
    if text is None:
        text = read_text(path)
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise ContentError(path, 1, "missing front matter", "start the file with a line '---'")
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            meta_text = "".join(lines[1:index])
            meta = yaml_load(path, meta_text, first_line=2)
            if not isinstance(meta, dict):
                raise ContentError(path, 2, "front matter must be a mapping of keys to values")
            return FrontMatterDocument(meta, "".join(lines[index + 1 :]), meta_text, index + 2)
    raise ContentError(path, 1, "front matter is not closed", "add a line '---' after it")


def load_all(root: Path | None = None, *, force: bool = False) -> LoadReport:
    """Run every configured loader in one transaction: all content loads, or none of it does."""
    root = Path(root or settings.CONTENT_ROOT)
    if not root.is_dir():
        raise ContentErrors([ContentError(root, None, "content folder does not exist")])
    report = LoadReport(force=force)
    with transaction.atomic():
        for dotted in settings.CONTENT_LOADERS:
            try:
                loader = import_string(dotted)
            except ImportError:
                # An app without content support yet contributes nothing.
                continue
            loader(root, report)
    return report
