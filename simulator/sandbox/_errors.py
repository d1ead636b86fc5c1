"""Errors raised by the sandbox."""

from __future__ import annotations


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or this kernel does not let us create the namespaces it needs.

    Runs refuse instead of falling back to executing learner commands unsandboxed.
    """


class PathEscapesWorkTree(ValueError):
    """A path written by the sandbox points outside the work tree (or through a symlink)."""
