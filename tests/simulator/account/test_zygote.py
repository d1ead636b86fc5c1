"""The account zygote: light start for a one-shot run, every service loaded from the second."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from simulator.account._service import _PROJECT_ROOT


def _ask(proc: subprocess.Popen[str], request: dict[str, object]) -> dict[str, object]:
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(json.dumps(request) + "\n")
    proc.stdin.flush()
    return json.loads(proc.stdout.readline())


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_first_server_forks_light_and_a_warm_request_loads_every_service(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulator.account._zygote"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=_PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(_PROJECT_ROOT)},
    )
    try:
        assert proc.stdout is not None
        assert json.loads(proc.stdout.readline()) == {"ready": True}
        (tmp_path / "one").mkdir()
        (tmp_path / "two").mkdir()
        first = _ask(proc, {"dir": str(tmp_path / "one")})
        assert isinstance(first.get("pid"), int)
        assert (tmp_path / "one" / "sandbox" / "aws.sock").exists()
        light = _rss_kb(proc.pid)
        assert _ask(proc, {"warm": True}) == {"warm": True}
        assert _rss_kb(proc.pid) > light + 20_000  # every service's backend is loaded now
        second = _ask(proc, {"dir": str(tmp_path / "two"), "warm": True})
        assert isinstance(second.get("pid"), int) and second["pid"] != first["pid"]
        assert "error" in _ask(proc, {"dir": 5})  # a bad request is answered, not fatal
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=30)
