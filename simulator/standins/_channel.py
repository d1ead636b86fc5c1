"""Host side of the tools a sandbox gets: mounts, environment, the warm `aws`, nothing read back.

The sandbox sees the tool scripts (read-only), the AWS CLI's packages (read-only) and the
account socket. Every change to the account happens in the account server on the host, which
logs it; after each command the host refreshes its World from that server. No file the sandbox
can write is ever read as a fact.
"""

from __future__ import annotations

import compileall
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from simulator.account._awscli import SANDBOX_PYTHON_DIR, cli_dir
from simulator.account._service import SANDBOX_ACCOUNT_DIR
from simulator.sandbox import Mount
from simulator.world import World

TOOLS_DIR = Path(__file__).resolve().parent
_CLI_NAME = re.compile(r"[a-z][a-z0-9-]{0,40}")  # an `aws <service>` command name
# `aws [global options] <service>` anywhere in a command line.
_AWS_COMMAND = re.compile(
    r"(?:^|[\s;&|(`$])aws\s+(?:--?[\w-]+(?:[ =][^\s-]\S*)?\s+)*([a-z][a-z0-9-]*)"
)
SANDBOX_TOOLS = "/codebuild/pa/tools"
TOOLS_PATH = f"{SANDBOX_TOOLS}/bin"
# The first `aws` call of a shell starts the warm server itself (bin/aws); `Channel.start`
# starts it eagerly instead (benchmarks and tests that want it listening before a call).
START_AWSD = (
    'mkdir -m 700 "/tmp/.pa-awsd-$(id -u)" 2>/dev/null && '  # the lock a first `aws` call takes
    "( cd / && exec /usr/bin/env PA_AWSD_WARM=@WARM@ /usr/bin/python3 -I -S -c "
    '\'import sys; sys.path[:0] = ["/codebuild/pa/python", "/codebuild/pa/tools"]; '
    "from patools.awsd import main; main()' </dev/null >/dev/null 2>&1 & )"
)


def _precompile() -> None:
    """Byte-compile the tools once: inside the sandbox their directory is read-only."""
    compileall.compile_dir(TOOLS_DIR / "patools", quiet=2)


class Channel:
    """The account link of one build (or one deployment): mounts, env, refresh after commands."""

    def __init__(self, world: World, *, note: Callable[[str], None] | None = None) -> None:
        self.world = world
        self._note = note or (lambda _msg: None)
        self.account = world.account()
        _precompile()

    @property
    def mounts(self) -> list[Mount]:
        return [
            Mount(TOOLS_DIR, SANDBOX_TOOLS),
            Mount(cli_dir(), SANDBOX_PYTHON_DIR),
            Mount(self.account.sandbox_dir, SANDBOX_ACCOUNT_DIR),
        ]

    def env(self) -> dict[str, str]:
        """Credentials of the main account, as a build's service role would provide them."""
        key, secret = self.world.credentials()
        return {"AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret}

    def start(self, session: Any, services: Iterable[str] = ()) -> None:
        """Start the warm `aws` server now, before any call (best effort).

        `services` (CLI names: ecr, s3, ssm ...) are the models it loads while idle; by default
        the common ones.
        """
        names = ",".join(sorted({n for n in services if _CLI_NAME.fullmatch(n)}))
        session.run(START_AWSD.replace("@WARM@", names), on_line=lambda _line: None)

    def origin(self, origin: str) -> None:
        self.world.set_origin(origin)

    def apply(self) -> int:
        """Refresh the host's World from the account server; the number of new API calls."""
        return self.world.sync()

    def close(self) -> None:
        self.world.set_origin("host")


def aws_services(commands: Iterable[str]) -> list[str] | None:
    """The `aws <service>` names the commands use; None when none calls `aws` directly."""
    found = {m.group(1) for command in commands for m in _AWS_COMMAND.finditer(command)}
    return sorted(found) or None
