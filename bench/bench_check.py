"""Checker speed: in-process p50/p99, CLI over the corpus, and cfn-lint side by side."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.stats import summary_ms, time_calls
from simulator import check
from tests.simulator.corpus import REPO, corpus_files
from tests.simulator.mutations import is_template, mutants_for

DATA = REPO / "tests" / "simulator" / "data"
EXAMPLES = {
    "buildspec (course notes)": ("example_buildspec.yml", "buildspec"),
    "ECS appspec (course notes)": ("example_ecs_appspec.yaml", "appspec"),
    "six-stage pipeline (course notes, as get-pipeline JSON)": (
        "example_pipeline.json",
        "pipeline",
    ),
}


def _wall(cmd: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, cwd=REPO, capture_output=True, check=False)
    return time.perf_counter() - started


# V2 pipelines exercise the action catalogue, trigger filters and stage conditions as well.
V2_LAB = REPO / "content" / "labs" / "pipeline-v2-triggers" / "reference" / "pipeline.json"


def _in_process() -> None:
    print("In-process check() time (goal: p50 <= 2 ms each):")
    cases = [(label, (DATA / name).read_text(), kind) for label, (name, kind) in EXAMPLES.items()]
    if V2_LAB.is_file():
        cases.append(
            ("V2 pipeline: triggers, variables, rollback (lab)", V2_LAB.read_text(), "pipeline")
        )
    for label, text, kind in cases:
        samples = time_calls(lambda t=text, k=kind: check(t, k, filename="bench"), repeat=2000)
        print(f"  {label:58s} {summary_ms(samples)}")


def _cli_corpus() -> None:
    files = [str(p) for p in corpus_files()]
    runs = [_wall([sys.executable, "-m", "simulator", "check", *files]) for _ in range(3)]
    print(f"\nCLI over the whole corpus ({len(files)} files, start-up included; goal <= 2 s):")
    print(f"  best {min(runs):.2f} s, worst {max(runs):.2f} s of {len(runs)} runs")


def _cfn_lint_batch(texts: dict[str, str]) -> dict[str, set[tuple[str, int]]]:
    """Run the cfn-lint CLI once over many templates: name -> {(rule id, line)}."""
    cfn_lint = str(Path(sys.executable).with_name("cfn-lint"))
    found: dict[str, set[tuple[str, int]]] = {name: set() for name in texts}
    with tempfile.TemporaryDirectory() as folder:
        paths = {}
        for i, (name, text) in enumerate(texts.items()):
            path = Path(folder) / f"{i:04d}.yaml"
            path.write_text(text)
            paths[str(path)] = name
        done = subprocess.run(
            [cfn_lint, "--format", "parseable", "--regions", "us-east-1", "--", *paths],
            capture_output=True,
            text=True,
            check=False,
        )
    for row in done.stdout.splitlines():
        parts = row.split(":", 6)
        if len(parts) == 7 and parts[0] in paths:
            found[paths[parts[0]]].add((parts[5], int(parts[1])))
    return found


def _versus_cfn_lint() -> None:
    templates = [p for p in corpus_files("pipeline") if is_template(p.read_text("utf-8-sig"))]
    names = [str(p) for p in templates]
    cfn_lint = str(Path(sys.executable).with_name("cfn-lint"))
    theirs = min(_wall([cfn_lint, "--regions", "us-east-1", "--", *names]) for _ in range(2))
    ours = min(
        _wall([sys.executable, "-m", "simulator", "check", "--kind", "pipeline", *names])
        for _ in range(3)
    )
    print(f"\ncfn-lint vs ours on the {len(names)} CloudFormation pipeline templates (CLI, wall):")
    print(
        f"  cfn-lint {theirs:.2f} s   ours {ours:.2f} s   ratio {theirs / ours:.1f}x (goal >= 20x)"
    )
    mutants = [m for p in templates for m in mutants_for(p)]
    baseline = _cfn_lint_batch({p.name: p.read_text("utf-8-sig") for p in templates})
    lint = _cfn_lint_batch({f"{i}": m.text for i, m in enumerate(mutants)})
    ours_caught = theirs_caught = both = 0
    missed_by_us: list[str] = []
    for i, mutant in enumerate(mutants):
        report = check(mutant.text, "pipeline", filename=mutant.source)
        we = (mutant.code, mutant.line) in {(f.code, f.line) for f in report.findings}
        new = lint[f"{i}"] - baseline[mutant.source]
        they = any(rule.startswith("E") for rule, _line in new)
        ours_caught += we
        theirs_caught += they
        both += we and they
        if they and not we:
            missed_by_us.append(f"{mutant.source}:{mutant.name}")
    print(f"  broken pipelines (mutants of those templates): {len(mutants)}")
    print(f"  caught by ours: {ours_caught}   by cfn-lint: {theirs_caught}   by both: {both}")
    print(f"  caught by cfn-lint but not by ours: {len(missed_by_us)} {missed_by_us[:5]}")


def main() -> None:
    """Print the figures issue 3 asks for."""
    _in_process()
    _cli_corpus()
    _versus_cfn_lint()
