"""Load a pipeline declaration (get-pipeline JSON/YAML) and the options of an execution."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulator._check import check
from simulator._loading import load_document
from simulator._pipeline_model import Pipeline, find_pipelines
from simulator.codedeploy import HookRunner


class PipelineInputError(ValueError):
    """The pipeline cannot run: the message says what is wrong and how to fix it."""


@dataclass
class PipelineOptions:
    """How to run an execution; every field has a lab-friendly default."""

    approve: bool | None = None  # manual approvals: True approve, False reject, None pause
    variables: Mapping[str, str] = field(default_factory=dict)  # pipeline-level overrides
    buildspecs: Mapping[str, str] = field(default_factory=dict)  # CodeBuild project -> text
    hook_runner: HookRunner | None = None  # CodeDeploy hook scripts (default: the sandbox)
    build_time_limit: float = 600.0
    rng: random.Random = field(default_factory=random.Random)
    # Where execution ids come from: apart from `rng`, so a seeded (repeatable) simulation still
    # gets a new id per run; tests pass a seeded Random here when they need fixed ids.
    ids: random.Random = field(default_factory=random.Random)
    on_log: Callable[[str], None] | None = None
    # Called with the execution state whenever an action starts or ends (live pictures).
    on_progress: Callable[[Mapping[str, Any]], None] | None = None
    base_dir: Path | None = None
    approver: str = "learner"
    # The last execution's saved state (to_state()): what a V2 stage rollback returns to.
    previous: Mapping[str, Any] | None = None

    def log(self, line: str) -> None:
        if self.on_log is not None:
            self.on_log(line)

    def progress(self, state: Mapping[str, Any]) -> None:
        if self.on_progress is not None:
            self.on_progress(state)


def load_pipeline(pipeline: str | bytes | Mapping[str, Any]) -> tuple[Pipeline, dict[str, Any]]:
    """(model, raw declaration) of a get-pipeline document; PipelineInputError if unusable."""
    if isinstance(pipeline, Mapping):
        text = json.dumps(pipeline)
    else:
        text = pipeline.decode() if isinstance(pipeline, bytes) else pipeline
    report = check(text, "pipeline", filename="pipeline.json")
    errors = [f for f in report.findings if str(f.severity) == "error"]
    if errors:
        listed = "; ".join(f"{f.path or 'line ' + str(f.line)}: {f.message}" for f in errors[:5])
        raise PipelineInputError(f"the pipeline declaration is not valid: {listed}")
    data = load_document(text, filename="pipeline.json").data
    found = find_pipelines(data) if isinstance(data, dict) else []
    if len(found) != 1:
        raise PipelineInputError(
            "expected exactly one pipeline (get-pipeline JSON with `pipeline:` or its contents); "
            f"found {len(found)}"
        )
    model = found[0]
    if model.cfn:
        raise PipelineInputError(
            "CloudFormation pipeline resources cannot be run directly: export the pipeline "
            "with `aws codepipeline get-pipeline` (JSON) and run that"
        )
    return model, model.raw
