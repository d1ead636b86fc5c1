"""Fixtures for deployment tests: worlds, revisions and a recording stand-in for the sandbox."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from simulator.codedeploy import DeployOptions, ScriptOutcome
from simulator.world import load_world

HOOKS = ("ApplicationStop", "BeforeInstall", "AfterInstall", "ApplicationStart", "ValidateService")


@dataclass
class Call:
    target: str
    revision: str
    location: str
    env: dict[str, str]


@dataclass
class FakeRunner:
    """Records each script run; `decide(call)` returns its outcome (default: succeeds)."""

    decide: Callable[[Call], ScriptOutcome | None] = lambda _call: None
    calls: list[Call] = field(default_factory=list)
    previous_seen: dict[str, dict[str, str]] = field(default_factory=dict)

    def open(self, target: str, current: Path | None, previous: Mapping[str, str]) -> Any:
        self.previous_seen[target] = dict(previous)
        runner = self

        class Shell:
            def run_script(
                self, revision: str, location: str, env: Mapping[str, str], timeout_s: float
            ) -> ScriptOutcome:
                call = Call(target, revision, location, dict(env))
                runner.calls.append(call)
                outcome = runner.decide(call)
                return outcome or ScriptOutcome("Succeeded", 0, 0.01, [f"ran {location}"])

            def close(self) -> None:
                pass

        return Shell()

    def events_run(self, target: str) -> list[str]:
        return [c.env["LIFECYCLE_EVENT"] for c in self.calls if c.target == target]


def fail_when(target: str, event: str, code: int = 1) -> Callable[[Call], ScriptOutcome | None]:
    def decide(call: Call) -> ScriptOutcome | None:
        if call.target == target and call.env["LIFECYCLE_EVENT"] == event:
            return ScriptOutcome("Failed", code, 0.01, ["boom"])
        return None

    return decide


def write_revision(
    root: Path, label: str = "v1", hooks: tuple[str, ...] = HOOKS, extra: str = ""
) -> Path:
    """A revision with one script per hook that prints its label and event."""
    (root / "scripts").mkdir(parents=True, exist_ok=True)
    (root / "site").mkdir(exist_ok=True)
    (root / "site" / "index.html").write_text(f"<h1>{label}</h1>\n")
    lines = [
        "version: 0.0",
        "os: linux",
        "files:",
        "  - source: site",
        "    destination: /var/www/html",
        extra,
        "hooks:",
    ]
    for hook in hooks:
        script = root / "scripts" / f"{hook}.sh"
        script.write_text(f'#!/bin/bash\necho "{label} $LIFECYCLE_EVENT"\n')
        script.chmod(0o755)
        lines += [f"  {hook}:", f"    - location: scripts/{hook}.sh", "      timeout: 60"]
    (root / "appspec.yml").write_text("\n".join(line for line in lines if line) + "\n")
    return root


def server_world(
    n: int = 3,
    *,
    config: str = "CodeDeployDefault.OneAtATime",
    lb: bool = False,
    extra_group: str = "",
    extra_top: str = "",
) -> Any:
    instances = "\n".join(f"    i-{k}: {{}}" for k in range(1, n + 1))
    names = ", ".join(f"i-{k}" for k in range(1, n + 1))
    text = f"""
account: "111122223333"
region: us-east-1
ec2:
  instances:
{instances}
{extra_top}
codedeploy:
  deployment_configs:
    Min2: {{minimum_healthy_hosts: {{type: HOST_COUNT, value: 2}}}}
    Pct40: {{minimum_healthy_hosts: {{type: FLEET_PERCENT, value: 40}}}}
  applications:
    web:
      compute_platform: Server
      deployment_groups:
        prod:
          instances: [{names}]
          deployment_config: {config}
          load_balancer: {str(lb).lower()}
{extra_group}
"""
    return load_world(text)


@pytest.fixture
def options() -> Callable[..., DeployOptions]:
    def make(runner: Any, **kw: Any) -> DeployOptions:
        return DeployOptions(runner=runner, rng=random.Random(7), **kw)

    return make
