"""Pipelines in three forms (get-pipeline JSON, CloudFormation, Terraform): read, check, run."""

from simulator.forms._api import (
    apply_to_world,
    check_conversion,
    check_terraform,
    cross_checks,
    detect_form,
    prepare_run,
    read_cloudformation,
    read_terraform,
    run_form,
    runs_as_form,
)
from simulator.forms._model import BuildProject, Conversion, FormError, PipelineForm

__all__ = [
    "BuildProject",
    "Conversion",
    "FormError",
    "PipelineForm",
    "apply_to_world",
    "check_conversion",
    "check_terraform",
    "cross_checks",
    "detect_form",
    "prepare_run",
    "read_cloudformation",
    "read_terraform",
    "run_form",
    "runs_as_form",
]
