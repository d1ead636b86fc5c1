"""Content as code: precise errors, safe reading of content files, and the all-or-nothing load."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string


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
