"""What every pipeline rule module shares: the registering decorator, lessons, patterns, lookups."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from simulator._findings import Severity
from simulator._pipeline_model import Action, ActionType, Pipeline, catalogue, find_pipelines
from simulator._rules import Context, RuleDecorator, rule

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO
STRUCTURE = "codepipeline/pipeline-structure"
APPROVALS = "codepipeline/approvals-and-notifications"
VARIABLES = "codepipeline/pipeline-variables-and-triggers"
CROSS = "codepipeline/cross-region-cross-account"

ROLE_ARN = re.compile(r"^arn:aws(-[\w]+)*:iam::[0-9]{12}:role/.+$")
PLACEHOLDER = re.compile(r"<[A-Za-z][^<>]*>")

ACTIONS = catalogue()


def pipeline_rule(
    code: str, severity: Severity, summary: str, doc: str = STRUCTURE
) -> RuleDecorator:
    """Register a check run on pipeline files (the lesson defaults to the structure one)."""
    return rule(code, severity, summary, doc=doc, kind="pipeline")


def pipelines_of(ctx: Context) -> list[Pipeline]:
    """The pipelines declared in the checked file, found once per check."""
    if "pipelines" not in ctx.cache:
        ctx.cache["pipelines"] = find_pipelines(ctx.data)
    found: list[Pipeline] = ctx.cache["pipelines"]
    return found


def actions_of(ctx: Context) -> Iterator[tuple[Pipeline, Action]]:
    """Every action of every pipeline in the file, with its pipeline."""
    for pipe in pipelines_of(ctx):
        for action in pipe.actions():
            yield pipe, action


def action_type(action: Action) -> ActionType | None:
    """The catalogue entry for the action's owner, category and provider (None if unknown)."""
    return ACTIONS.find(action.owner, action.category, action.provider)


def config_path(pipe: Pipeline, action: Action, key: str | None = None) -> tuple[Any, ...]:
    """Where the action's configuration (or one key of it) is, spelt as the file spells it."""
    base = (*action.path, pipe.key("configuration"))
    return (*base, key) if key else base
