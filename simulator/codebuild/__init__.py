"""CodeBuild: run a buildspec's phases in the sandbox and report what AWS would."""

from simulator.codebuild._build import (
    ALL_PHASES,
    ArtifactRecord,
    BuildOptions,
    BuildResult,
    CommandRecord,
    PhaseRecord,
    build,
)
from simulator.codebuild._reports import ReportSummary
from simulator.codebuild._spec import Buildspec, BuildspecError, parse_buildspec

__all__ = [
    "ALL_PHASES",
    "ArtifactRecord",
    "BuildOptions",
    "BuildResult",
    "Buildspec",
    "BuildspecError",
    "CommandRecord",
    "PhaseRecord",
    "ReportSummary",
    "build",
    "parse_buildspec",
]
