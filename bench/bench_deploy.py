"""Benchmark: a 3-instance in-place deployment and the six-stage pipeline, in the sandbox."""

from __future__ import annotations

import random
import shutil
import tempfile
import time
from pathlib import Path

from bench.stats import summary_ms
from simulator.codedeploy import DeployOptions, deploy
from simulator.codepipeline import PipelineOptions, run_pipeline
from simulator.codepipeline.examples import SIX_STAGE
from simulator.world import load_world

HOOKS = ("ApplicationStop", "BeforeInstall", "AfterInstall", "ApplicationStart", "ValidateService")
WORLD = """
account: "111122223333"
ec2:
  instances: {i-1: {}, i-2: {}, i-3: {}}
codedeploy:
  applications:
    web:
      deployment_groups:
        prod: {instances: [i-1, i-2, i-3], last_successful_revision: previous}
"""
# For contrast (cited, not measured):
AWS_FIGURES = (
    "AWS, for contrast (cited, not measured here):\n"
    "  - an ALB target group drains a deregistering instance for 300 s by default "
    "(deregistration delay; AWS re:Post answer, "
    "https://repost.aws/questions/QURrGtTtajQaK2Zqg2IH5C6w): BlockTraffic alone costs minutes "
    "per batch on a real in-place deployment with a load balancer;\n"
    "  - CodeDeployDefault.ECSCanary10Percent5Minutes waits 5 minutes between its two shifts "
    "(AWS CodeDeploy user guide, deployment configurations; fact sheet 5.4) - the simulator "
    "shows those 5 minutes on its virtual clock;\n"
    "  - CodeBuild on-demand PROVISIONING of ~180-190 s before the first command was reported "
    "for ARM images (github.com/aws/aws-codebuild-docker-images/issues/793, a user report)."
)


def _revision(root: Path, label: str) -> Path:
    (root / "scripts").mkdir(parents=True)
    (root / "index.html").write_text(f"{label}\n")
    lines = [
        "version: 0.0",
        "os: linux",
        "files:",
        "  - source: index.html",
        "    destination: /var/www/html",
        "hooks:",
    ]
    for hook in HOOKS:
        script = root / "scripts" / f"{hook}.sh"
        script.write_text(
            f'#!/bin/bash\necho "{label} $LIFECYCLE_EVENT on $DEPLOYMENT_GROUP_NAME"\n'
        )
        script.chmod(0o755)
        lines += [f"  {hook}:", f"    - location: scripts/{hook}.sh"]
    (root / "appspec.yml").write_text("\n".join(lines) + "\n")
    return root


def _deploy_once(base: Path, revision: Path) -> tuple[float, object]:
    world = load_world(WORLD)
    started = time.perf_counter()
    result = deploy(
        (revision / "appspec.yml").read_text(),
        revision,
        world,
        "prod",
        DeployOptions(rng=random.Random(1), base_dir=base),
    )
    return (time.perf_counter() - started) * 1000, result


def _sleepy_revision(root: Path) -> Path:
    """One hook that waits 10 minutes and a permissions section: virtual time, real files."""
    (root / "scripts").mkdir(parents=True)
    (root / "site").mkdir()
    (root / "site" / "index.html").write_text("v3\n")
    script = root / "scripts" / "start.sh"
    script.write_text("#!/bin/bash\nsleep 600\nstat -c %a /var/www/html/index.html\n")
    script.chmod(0o755)
    (root / "appspec.yml").write_text(
        "version: 0.0\nos: linux\nfiles:\n  - source: site\n    destination: /var/www/html\n"
        "permissions:\n  - object: /var/www/html\n    mode: 640\n    type: [file]\n"
        "hooks:\n  ApplicationStart:\n    - location: scripts/start.sh\n"
    )
    return root


def _sleepy_once(revision: Path) -> tuple[float, object]:
    world = load_world(WORLD.replace(", last_successful_revision: previous", ""))
    started = time.perf_counter()
    result = deploy(
        (revision / "appspec.yml").read_text(),
        revision,
        world,
        "prod",
        DeployOptions(rng=random.Random(1)),
    )
    return (time.perf_counter() - started) * 1000, result


def _pipeline_once() -> tuple[float, object]:
    world = load_world(SIX_STAGE / "world.yml")
    started = time.perf_counter()
    execution = run_pipeline(
        (SIX_STAGE / "pipeline.json").read_text(),
        {"GitHub_Source": SIX_STAGE / "source"},
        world,
        PipelineOptions(approve=True, rng=random.Random(1)),
    )
    return (time.perf_counter() - started) * 1000, execution


def main() -> None:
    base = Path(tempfile.mkdtemp(prefix="pa-bench-"))
    try:
        _revision(base / "previous", "v1")
        revision = _revision(base / "v2", "v2")
        _deploy_once(base, revision)  # warm-up
        samples, result = [], None
        for _ in range(5):
            ms, result = _deploy_once(base, revision)
            samples.append(ms)
        scripts = sum(1 for e in result.events if e.output and e.event in HOOKS)  # type: ignore[union-attr]
        print(
            f"3-instance in-place deployment, 5 hooks each ({scripts} scripts run in the "
            f"sandbox, status {result.status}):"
        )  # type: ignore[union-attr]
        print(
            f"  wall {summary_ms(samples)}  goal <= 1000 ms; virtual clock "
            f"{result.duration_s / 60:.1f} min"
        )  # type: ignore[union-attr]
        sleepy = _sleepy_revision(base / "v3")
        samples = []
        for _ in range(3):
            ms, result = _sleepy_once(sleepy)
            samples.append(ms)
        print(
            "3-instance deployment whose ApplicationStart sleeps 600 s (virtual clock) and "
            f"whose permissions set mode 640, status {result.status}:"  # type: ignore[union-attr]
        )
        print(
            f"  wall {summary_ms(samples)}  virtual clock {result.duration_s / 60:.1f} min"  # type: ignore[union-attr]
        )
        samples, execution = [], None
        for _ in range(3):
            ms, execution = _pipeline_once()
            samples.append(ms)
        clock = execution.state["clock"]  # type: ignore[union-attr]
        print(
            f"six-stage pipeline (source, build, unit tests || security scan, staging "
            f"blue/green, approval, production canary 10%/5 min), status "
            f"{execution.status}:"
        )  # type: ignore[union-attr]
        print(f"  wall {summary_ms(samples)}  goal <= 3000 ms; virtual clock {clock / 60:.1f} min")
        print(AWS_FIGURES)
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
