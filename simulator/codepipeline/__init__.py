"""CodePipeline on the world: stages, parallel actions, artifacts, variables, approvals."""

from simulator.codepipeline._actions import PROVIDERS
from simulator.codepipeline._execution import (
    PipelineExecution,
    resume_pipeline,
    retry_stage,
    run_pipeline,
)
from simulator.codepipeline._model import PipelineInputError, PipelineOptions, load_pipeline
from simulator.codepipeline._v2 import GitEvent, GitEventKind, TriggerDecision, decide_trigger

__all__ = [
    "PROVIDERS",
    "GitEvent",
    "GitEventKind",
    "PipelineExecution",
    "PipelineInputError",
    "PipelineOptions",
    "TriggerDecision",
    "decide_trigger",
    "load_pipeline",
    "resume_pipeline",
    "retry_stage",
    "run_pipeline",
]
