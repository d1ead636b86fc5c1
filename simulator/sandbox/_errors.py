"""Errors raised by the sandbox."""

from __future__ import annotations


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or this kernel does not let us create the namespaces it needs.

    Runs refuse instead of falling back to executing learner commands unsandboxed.
    """


class PathEscapesWorkTree(ValueError):
    """A path written by the sandbox points outside the work tree (or through a symlink)."""


class TreeLimit(OverflowError):
    """The work tree is past a limit the host reads it with: entries, depth, bytes or time.

    An OverflowError, so callers that already stop on "too many entries" stop on all of them.
    """


class TreeChanged(ValueError):
    """A file vanished or was replaced while the host was reading it (a background job)."""
