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


def test_export_of_sections_nothing_wrote_needs_no_backend_and_matches_a_full_read() -> None:
    from simulator.account import _export
    from simulator.account import _server as server_module

    app = server_module.warm()
    server = server_module.AccountServer(app)
    server.add_account(server.main_account)
    empty = _export.export(server)
    assert empty == _export._export(server, set(_export._EMPTY))  # what moto itself holds
    client = server.client("ssm")
    client.put_parameter(Name="/p", Value="v", Type="String")
    client.label_parameter_version(Name="/p", ParameterVersion=1, Labels=["live"])
    after = _export.export(server, ["ssm"])
    assert after["parameters"]["/p"]["versions"][0]["labels"] == ["live"]
