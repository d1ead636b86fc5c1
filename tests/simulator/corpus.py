"""Where the shared corpus of real files lives (beside the checkout, or $PA_SHARED_DIR)."""

from __future__ import annotations

import os
from pathlib import Path

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
