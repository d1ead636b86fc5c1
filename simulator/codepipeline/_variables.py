"""`#{namespace.variable}` references in action configuration (fact sheet 6.7)."""

from __future__ import annotations

import re
from typing import Any

_REF = re.compile(r"#\{([A-Za-z0-9@\-_]+)\.([A-Za-z0-9@\-_.]+)\}")


class UnresolvedVariable(ValueError):
    """A reference to a namespace or variable that does not exist (yet)."""


def resolve(value: Any, namespaces: dict[str, dict[str, str]]) -> Any:
    """The value with every reference replaced; strings inside lists/dicts too."""
    if isinstance(value, str):

        def one(match: re.Match[str]) -> str:
            namespace, name = match.group(1), match.group(2)
            if namespace not in namespaces:
                known = ", ".join(sorted(namespaces)) or "none"
                raise UnresolvedVariable(
                    f"#{{{namespace}.{name}}}: no namespace {namespace!r} has produced variables "
                    f"before this action (known: {known}); give the producing action "
                    f"`namespace: {namespace}` and run it earlier"
                )
            if name not in namespaces[namespace]:
                known = ", ".join(sorted(namespaces[namespace])) or "none"
                raise UnresolvedVariable(
                    f"#{{{namespace}.{name}}}: namespace {namespace} has no variable {name!r} "
                    f"(it has: {known})"
                )
            return namespaces[namespace][name]

        return _REF.sub(one, value)
    if isinstance(value, dict):
        return {k: resolve(v, namespaces) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, namespaces) for v in value]
    return value
