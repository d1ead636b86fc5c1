"""The build log: CodeBuild's `[Container]` lines, with secrets and access keys masked."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

_ACCESS_KEY = re.compile(r"\b(AKIA|ASIA)[A-Z0-9]{16}\b")
_SHORTEST_SECRET = 3  # masking shorter values would star out ordinary words


class BuildLog:
    """Every line the build prints, masked before anyone (the caller's `on_line`) sees it."""

    def __init__(
        self, clock: Callable[[], float], on_line: Callable[[str], None] | None = None
    ) -> None:
        self.clock = clock
        self.on_line = on_line
        self.lines: list[str] = []
        self.secrets: list[str] = []

    def hide(self, secret: str) -> None:
        """Mask `secret` in every later line."""
        if len(secret) >= _SHORTEST_SECRET and secret not in self.secrets:
            # Longest first, so a secret containing another is masked whole.
            self.secrets = sorted([*self.secrets, secret], key=len, reverse=True)

    def mask(self, line: str) -> str:
        for secret in self.secrets:
            line = line.replace(secret, "***")
        return _ACCESS_KEY.sub("***", line)

    def emit(self, line: str) -> None:
        line = self.mask(line)
        self.lines.append(line)
        if self.on_line:
            self.on_line(line)

    def container(self, message: str) -> None:
        """A line from the build container itself, time-stamped like CodeBuild's."""
        now = self.clock()
        whole = time.strftime("%Y/%m/%d %H:%M:%S", time.gmtime(now))
        self.emit(f"[Container] {whole}.{int((now % 1) * 1000):03d} {message}")
