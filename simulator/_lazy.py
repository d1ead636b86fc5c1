"""Public names imported on first use (PEP 562): heavy engines load only when asked for."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any


def lazy_names(
    package: str, table: Mapping[str, tuple[str, str]], namespace: MutableMapping[str, Any]
) -> Callable[[str], Any]:
    """A module `__getattr__`: import `table[name]` (module, attribute) once, then cache it."""

    def __getattr__(name: str) -> Any:
        try:
            module, attribute = table[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        value = getattr(importlib.import_module(module), attribute)
        namespace[name] = value
        return value

    return __getattr__
