"""Run learner commands under bubblewrap: no network, unprivileged, limited, streamed."""

from simulator.sandbox._bwrap import SRC_DIR, Mount
from simulator.sandbox._errors import PathEscapesWorkTree, SandboxUnavailable
from simulator.sandbox._limits import MIB, Limits
from simulator.sandbox._probe import probe
from simulator.sandbox._safe_fs import link_stays_inside, read_file, relative_parts, walk
from simulator.sandbox._session import CommandOutcome, ShellSession, run_once

Sandbox = ShellSession

__all__ = [
    "MIB",
    "SRC_DIR",
    "CommandOutcome",
    "Limits",
    "Mount",
    "PathEscapesWorkTree",
    "Sandbox",
    "SandboxUnavailable",
    "ShellSession",
    "link_stays_inside",
    "probe",
    "read_file",
    "relative_parts",
    "run_once",
    "walk",
]
