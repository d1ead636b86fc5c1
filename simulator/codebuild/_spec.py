"""The runner's buildspec: the shared model, refused with file, line and fix when it cannot run."""

from __future__ import annotations

import re

from simulator._buildspec_model import (
    LINUX_SHELLS,
    ArtifactSpec,
    Buildspec,
    OnFailure,
    Phase,
    ReportSpec,
    read_buildspec,
)
from simulator._findings import Path, format_path
from simulator._loading import Loaded, load_document

# dash's own name: the sandbox runs it for /bin/sh, and labs have written it so.
RUNNABLE_SHELLS = (*LINUX_SHELLS, "sh")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class BuildspecError(ValueError):
    """The buildspec cannot be run; CodeBuild reports this as a YAML_FILE_ERROR."""


def _error(loaded: Loaded, path: Path, problem: str, fix: str, *, key: bool = False) -> str:
    line, col = loaded.position(path, key=key)
    where = format_path(path) or "(top level)"
    return f"{loaded.filename}:{line}:{col}: {where}: {problem}; {fix}"


def parse_buildspec(text: str, *, filename: str = "buildspec.yml") -> Buildspec:
    """Load and type a buildspec; BuildspecError names the line, the column and the fix.

    The refusals are the checker's errors (the model's problems, same codes and words) and
    what the sandbox cannot do: a Windows shell, a batch build, names a shell cannot export.
    A name starting with CODEBUILD_ only warns (BS013): CodeBuild's own variables win.
    """
    loaded = load_document(text, filename=filename)
    errors = [f for f in loaded.findings if str(f.severity) == "error"]
    if loaded.data is None or errors:
        first = errors[0] if errors else None
        where = f"{filename}:{first.line}:{first.column}: " if first else f"{filename}: "
        message = first.message if first else "the file is empty"
        raise BuildspecError(f"{where}{message}; fix the YAML and try again")
    if not isinstance(loaded.data, dict):
        raise BuildspecError(_error(loaded, (), "expected a mapping", "write `key: value` lines"))
    spec = read_buildspec(loaded)
    if spec.blocking:
        p = spec.blocking[0]
        raise BuildspecError(_error(loaded, p.path, f"{p.message} [{p.code}]", p.hint, key=p.key))
    _runnable(loaded, spec)
    return spec


def _runnable(loaded: Loaded, spec: Buildspec) -> None:
    """What a valid buildspec may still ask for that one sandboxed Linux build cannot give."""
    if not spec.phases:
        what = "a batch build" if spec.has_batch else "no phases"
        raise BuildspecError(
            _error(
                loaded,
                ("phases",),
                f"{what}: the simulator runs one build of the phases",
                "add `phases:` with at least a `build:` phase",
            )
        )
    if spec.shell not in RUNNABLE_SHELLS:
        raise BuildspecError(
            _error(
                loaded,
                ("env", "shell"),
                f"shell {spec.shell!r} is not available on Linux",
                "use bash or /bin/sh",
            )
        )
    sections = (
        ("variables", spec.variables),
        ("parameter-store", spec.parameter_store),
        ("secrets-manager", spec.secrets_manager),
    )
    for section, names in sections:
        for name in names:
            path: Path = ("env", section, name)
            if spec.version == "0.1":
                path = ("environment_variables", "plaintext", name)
            if not _ENV_NAME.match(name):
                raise BuildspecError(
                    _error(
                        loaded,
                        path,
                        f"{name!r} is not a valid variable name",
                        "use letters, digits and underscores",
                        key=True,
                    )
                )


__all__ = [
    "ArtifactSpec",
    "Buildspec",
    "BuildspecError",
    "OnFailure",
    "Phase",
    "ReportSpec",
    "parse_buildspec",
]
