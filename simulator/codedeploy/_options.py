"""Options of one deployment: injected runner and randomness, per-deployment overrides."""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from simulator.codedeploy._runner import HookRunner

if TYPE_CHECKING:
    from simulator.world import World

FILE_EXISTS_BEHAVIORS = ("DISALLOW", "OVERWRITE", "RETAIN")


class DeployInputError(ValueError):
    """The deployment cannot start: the message says what is wrong and how to fix it."""


@dataclass
class DeployOptions:
    """How to run a deployment. Nothing here is needed for a plain run."""

    runner: HookRunner | None = None  # default: SandboxHookRunner (bubblewrap)
    rng: random.Random = field(default_factory=random.Random)
    # Where deployment ids come from: apart from `rng`, so a seeded (repeatable) simulation still
    # gets a new id per run; tests pass a seeded Random here when they need fixed ids.
    ids: random.Random = field(default_factory=random.Random)
    application: str | None = None  # needed only if two applications have the group's name
    file_exists_behavior: str = "DISALLOW"  # CLI --file-exists-behavior; the AppSpec overrides it
    ignore_application_stop_failures: bool | None = None  # None: the group's setting
    auto_rollback: bool | None = None  # None: the group's setting; False disables it
    base_dir: Path | None = None  # where the world file lives (for last_successful_revision)
    on_log: Callable[[str], None] | None = None
    max_script_seconds: float = 30.0

    def __post_init__(self) -> None:
        if self.file_exists_behavior not in FILE_EXISTS_BEHAVIORS:
            raise DeployInputError(
                f"file_exists_behavior {self.file_exists_behavior!r} must be one of "
                f"{', '.join(FILE_EXISTS_BEHAVIORS)}"
            )

    def new_id(self, world: World | None = None) -> str:
        """A deployment id shaped like CodeDeploy's (d-XXXXXXXXX), unused in the world."""
        alphabet = string.ascii_uppercase + string.digits
        taken = world.deployment_ids if world is not None else frozenset()
        while True:
            candidate = "d-" + "".join(self.ids.choice(alphabet) for _ in range(9))
            if candidate not in taken:
                return candidate
