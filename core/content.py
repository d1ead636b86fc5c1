"""Content as code: precise errors, front matter, and the all-or-nothing loader run."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string


class ContentError(Exception):
    """A problem in a content file, located precisely enough to fix it."""

    def __init__(self, path: Path | str, line: int | None, message: str, hint: str = "") -> None:
        self.path = Path(path)
        self.line = line
        self.message = message
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
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


def yaml_load(path: Path, text: str | None = None, *, first_line: int = 1) -> Any:
    """Parse a content YAML file; syntax errors become a ContentError with the line."""
    if text is None:
        text = read_text(path)
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + first_line) if mark else None
        raise ContentError(path, line, f"invalid YAML: {exc.problem or exc}") from exc
    except yaml.YAMLError as exc:
        raise ContentError(path, None, f"invalid YAML: {exc}") from exc


def read_text(path: Path) -> str:
    """Read a UTF-8 content file, reporting encoding problems as content errors."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ContentError(
            path, None, f"not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from exc
    except OSError as exc:
        raise ContentError(path, None, f"cannot read file: {exc.strerror}") from exc


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
