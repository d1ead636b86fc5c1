"""Tool stand-ins (`aws`, `docker`, `sam`, `npm`, `pip`, `mvn`, `gradle`) and their host channel.

The scripts in bin/ and the patools/ package run inside the sandbox. They read a read-only JSON
view of the world and append requested changes to a journal; `Channel` (host side) writes the
view, validates every journal entry and applies it to the World after each command.
"""

from simulator.standins._channel import TOOLS_DIR, Channel

__all__ = ["TOOLS_DIR", "Channel"]
