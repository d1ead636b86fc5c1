"""Lambda functions that really run in the sandbox, and the event sources that invoke them.

See docs/functions.md. Plain Python (no Django).
"""

from simulator.lambdas._env import (
    FunctionEnv,
    LearnerInputError,
    SourceError,
    deliver,
    invoke,
    source_names,
)
from simulator.lambdas._runtime import Environment, Outcome
from simulator.lambdas._spec import RUNTIMES, FunctionSpec, FunctionSpecError, spec_from_settings

__all__ = [
    "RUNTIMES",
    "Environment",
    "FunctionEnv",
    "FunctionSpec",
    "FunctionSpecError",
    "LearnerInputError",
    "Outcome",
    "SourceError",
    "deliver",
    "invoke",
    "source_names",
    "spec_from_settings",
]
