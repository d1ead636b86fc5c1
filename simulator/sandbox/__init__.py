"""Run learner commands under bubblewrap: no network, unprivileged, limited, streamed."""

from simulator.sandbox._bwrap import SRC_DIR, Mount
from simulator.sandbox._cleanup import (
    LEFTOVER_PREFIXES,
    Leftovers,
    discard_tree,
    remove_leftovers,
    remove_tree,
    wait_for_discards,
)
from simulator.sandbox._errors import (
    PathEscapesWorkTree,
    SandboxUnavailable,
    TreeChanged,
    TreeLimit,
)
from simulator.sandbox._limits import MIB, Limits
from simulator.sandbox._probe import probe
from simulator.sandbox._safe_fs import (
    MAX_DEPTH,
    link_stays_inside,
    read_file,
    relative_parts,
    tree_usage,
    walk,
)
from simulator.sandbox._session import CommandOutcome, ShellSession, run_once

Sandbox = ShellSession

__all__ = [
    "LEFTOVER_PREFIXES",
    "MAX_DEPTH",
    "MIB",
    "SRC_DIR",
    "CommandOutcome",
    "Leftovers",
    "Limits",
    "Mount",
    "PathEscapesWorkTree",
    "Sandbox",
    "SandboxUnavailable",
    "ShellSession",
    "TreeChanged",
    "TreeLimit",
    "discard_tree",
    "link_stays_inside",
    "probe",
    "read_file",
    "relative_parts",
    "remove_leftovers",
    "remove_tree",
    "run_once",
    "tree_usage",
    "wait_for_discards",
    "walk",
]
