"""Notes a run gives the learner besides the checks (light: the checker's path imports it)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class NoteLevel(StrEnum):
    INFO = "info"
    NOT_SIMULATED = "not_simulated"  # a setting that changes behaviour on AWS, ignored here
    ERROR = "error"


@dataclass(frozen=True)
class Note:
    """Something the run wants the learner to know that is not a check (where, what)."""

    level: NoteLevel
    message: str
    file: str = ""
    path: str = ""  # e.g. "Resources.Fn.Properties.DeploymentPreference.Enabled"
