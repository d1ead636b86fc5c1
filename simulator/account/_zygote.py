"""A warm parent for account servers: moto imported once, one fork per run (~10 ms, not ~1.4 s).

Started by the host process (`_service.Zygote`); reads one JSON request per line on stdin,
forks an account server serving in the given directory, answers its pid once it listens.
Exits when stdin closes (the host process ended); its children die with it (PDEATHSIG).

It starts with moto and botocore imported only. A request with `"warm": true` (the host's
second run, or `prewarm()`) first loads every service into it, so later forks start warm; a
one-shot process (`python -m simulator pipeline`) forks once and loads only the services its
run uses (the full warm-up costs several seconds of CPU on a small machine).
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import json
import os
import signal
import sys
from pathlib import Path

_PR_SET_PDEATHSIG = 1


def _signal_ready(fd: int) -> None:
    """Tell the zygote the forked server listens (one byte on its pipe)."""
    os.write(fd, b"1")


def _die_with_parent() -> None:
    # Not Linux (no prctl): the host kills the server by pid on close.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def main() -> int:
    _die_with_parent()
    from simulator.account._server import serve, warm, warm_services

    app = warm()
    services_warm = False
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # servers are reaped automatically
    out = sys.stdout
    out.write(json.dumps({"ready": True}) + "\n")
    out.flush()
    for line in sys.stdin:
        try:
            request = json.loads(line)
            if request.get("warm") and not services_warm:
                warm_services(app)
                services_warm = True
            if "dir" not in request:  # a warm-up request only
                out.write(json.dumps({"warm": True}) + "\n")
                out.flush()
                continue
            directory = Path(request["dir"])
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            out.write(json.dumps({"error": str(exc)}) + "\n")
            out.flush()
            continue
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the account server
            os.close(read_end)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            _die_with_parent()
            code = 0
            try:
                serve(directory, app, ready=functools.partial(_signal_ready, write_end))
            except BaseException:
                import traceback

                traceback.print_exc()
                code = 1
            os._exit(code)
        os.close(write_end)
        ok = os.read(read_end, 1) == b"1"
        os.close(read_end)
        out.write(json.dumps({"pid": pid} if ok else {"error": "the server did not start"}) + "\n")
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
