"""Where the shared corpus of real files lives (beside the checkout, or $PA_SHARED_DIR)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from tests.simulator.rule_cases import CASES

REPO = Path(__file__).resolve().parents[2]


def corpus_dir() -> Path:
    """`<repo>/../shared/corpus/real`, or `$PA_SHARED_DIR/corpus/real`."""
    shared = os.environ.get("PA_SHARED_DIR")
    base = Path(shared) if shared else REPO.parent / "shared"
    return base / "corpus" / "real"


def corpus_files(kind: str | None = None) -> list[Path]:
    """Every corpus file (of one kind), sorted."""
    root = corpus_dir()
    kinds = [kind] if kind else ["buildspec", "appspec", "pipeline"]
    return sorted(p for k in kinds for p in (root / k).glob("*") if p.is_file())


def documents_of_kind(kind: str, patterns: Sequence[str]) -> list[tuple[str, str]]:
    """(name, text) of every corpus file of `kind`, every repo file matching a glob pattern and
    both sides of every rule case of that kind: what the model tests compare checker and engine on."""
    found = [(f"corpus/{p.name}", p.read_text(errors="replace")) for p in corpus_files(kind)]
    for pattern in patterns:
        for path in sorted(REPO.glob(pattern)):
            if path.is_file():
                found.append((str(path.relative_to(REPO)), path.read_text()))
    for code, (case_kind, bad, good, _opts) in sorted(CASES.items()):
        if case_kind == kind:
            found += [(f"{code} bad", bad), (f"{code} good", good)]
    return [(name, text) for name, text in found if isinstance(text, str)]
