"""Which API operations may change an account: everything but the operations that only read.

AWS names operations verb first (botocore's operation names). Listing the read verbs and
treating every other operation as a write misses no new write verb (LabelParameterVersion,
AddTagsToResource, RemovePermission, Untag..., Attach..., Associate...): a read taken for a
write only costs one refresh of a cached export; a write taken for a read would leave the
host's view of the account stale.
"""

from __future__ import annotations

READ_PREFIXES: tuple[str, ...] = (
    "Get",
    "List",
    "Describe",
    "Head",
    "BatchGet",
    "BatchCheck",
    "Query",
    "Scan",
    "Select",
    "Lookup",
    "Search",
    "Filter",
    "Validate",
    "Estimate",
    "Test",
    "Simulate",
    "Preview",
    "Download",
    "Decrypt",
    "Encrypt",
    "GenerateDataKey",
    "GenerateRandom",
    "Verify",
    "Sign",
    "Assume",  # STS: issues credentials, changes no resource
    "Invoke",  # Lambda: runs the function; what the function changes is its own calls
    "Count",
    "Poll",
)
_READ_METHODS = ("GET ", "HEAD ", "OPTIONS ")  # an operation the model did not name


def is_write(operation: str) -> bool:
    """Whether an operation may change the account (every operation that is not a read)."""
    if not operation or operation.startswith(_READ_METHODS):
        return False
    return not operation.startswith(READ_PREFIXES)


__all__ = ["READ_PREFIXES", "is_write"]
