"""Run a lab's scenario in the simulator (build, deploy or pipeline) and summarise the outcome."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from labs.spec import LabSpec


@dataclass
class RunOutput:
    """The simulated run, reduced to the plain data checks read (see labs/checks.py)."""

    outcome: dict[str, Any]
    log: str = ""
    pictures: dict[str, str] = field(default_factory=dict)
    awaiting_approval: bool = False
    paused_state: dict[str, Any] | None = None


def write_tree(root: Path, tree: dict[str, str]) -> None:
    """Write a lab's read-only tree (from our own content) under root, refusing odd paths."""
    for rel, text in tree.items():
        path = PurePosixPath(rel)
        if path.is_absolute() or ".." in path.parts:
            raise ValueError(f"unsafe path in lab tree: {rel}")
        target = root.joinpath(*path.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        if text.startswith("#!"):
            target.chmod(0o755)


def run_scenario(
    spec: LabSpec,
    files: dict[str, str],
    *,
    approval: str | None = None,
    resume: dict[str, Any] | None = None,
    on_log: Callable[[str], None] | None = None,
) -> RunOutput:
    """Dispatch on the scenario kind."""
    raise NotImplementedError(f"scenario kind {spec.scenario['kind']} needs the simulator runner")
