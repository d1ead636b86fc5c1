"""Read a buildspec into the plain structure the build runner needs, with clear errors."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from simulator._loading import Loaded, load_document

PHASES = ("install", "pre_build", "build", "post_build")
_RETRY = re.compile(r"^RETRY(?:-(\d+))?(?:-(.+))?$", re.IGNORECASE)
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class BuildspecError(ValueError):
    """The buildspec cannot be run; CodeBuild reports this as a YAML_FILE_ERROR."""


@dataclass(frozen=True)
class OnFailure:
    """A phase's `on-failure`: ABORT, CONTINUE or RETRY with a count and a message regex."""

    mode: str  # "ABORT" | "CONTINUE" | "RETRY" | "" (default transitions)
    retries: int = 0
    pattern: str = ".*"


@dataclass(frozen=True)
class Phase:
    name: str
    commands: tuple[str, ...]
    finally_: tuple[str, ...]
    on_failure: OnFailure
    runtime_versions: tuple[tuple[str, str], ...] = ()
    run_as: str = ""


@dataclass(frozen=True)
class ArtifactSpec:
    identifier: str  # "" for the primary artifact
    files: tuple[str, ...]
    name: str = ""
    base_directory: str = ""
    discard_paths: bool = False
    exclude_paths: tuple[str, ...] = ()
    enable_symlinks: bool = False
    s3_prefix: str = ""


@dataclass(frozen=True)
class ReportSpec:
    group: str
    files: tuple[str, ...]
    base_directory: str = ""
    discard_paths: bool = False
    file_format: str = "JUNITXML"


@dataclass
class Buildspec:
    version: str
    variables: dict[str, str] = field(default_factory=dict)
    parameter_store: dict[str, str] = field(default_factory=dict)
    secrets_manager: dict[str, str] = field(default_factory=dict)
    exported_variables: tuple[str, ...] = ()
    shell: str = "bash"
    run_as: str = ""
    phases: dict[str, Phase] = field(default_factory=dict)
    artifacts: list[ArtifactSpec] = field(default_factory=list)
    reports: list[ReportSpec] = field(default_factory=list)
    cache_paths: tuple[str, ...] = ()
    cache_key: str = ""


_REPORT_FORMATS = (
    "JUNITXML",
    "CUCUMBERJSON",
    "NUNITXML",
    "NUNIT3XML",
    "TESTNGXML",
    "VISUALSTUDIOTRX",
    "CLOVERXML",
    "COBERTURAXML",
    "JACOCOXML",
    "SIMPLECOV",
)


class _Parser:
    def __init__(self, loaded: Loaded) -> None:
        self.loaded = loaded

    def fail(self, path: tuple[Any, ...], problem: str, fix: str) -> BuildspecError:
        line, _col = self.loaded.position(path)
        where = ".".join(str(p) for p in path) or "(top level)"
        return BuildspecError(f"{self.loaded.filename}:{line}: {where}: {problem}; {fix}")

    def scalar(self, value: Any, path: tuple[Any, ...]) -> str:
        """Text of a scalar as written (YAML `yes`/`0.2` keep their spelling)."""
        if isinstance(value, dict | list) or value is None:
            raise self.fail(
                path, "expected a single value", "write it on one line, quoted if needed"
            )
        return self.loaded.raw.get(path, value if isinstance(value, str) else str(value))

    def mapping(self, value: Any, path: tuple[Any, ...]) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(path, "expected a mapping", "write `name: value` lines under it")
        return value

    def strings(self, value: Any, path: tuple[Any, ...], what: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise self.fail(path, f"{what} must be a list", "write one `- item` per line")
        out = []
        for i, item in enumerate(value):
            if isinstance(item, dict):
                raise self.fail(
                    (*path, i),
                    f"{what} item is a mapping, not text",
                    "quote the whole line: a colon followed by a space makes YAML read a mapping",
                )
            out.append(self.scalar(item, (*path, i)))
        return tuple(out)

    def yes(self, value: Any, path: tuple[Any, ...]) -> bool:
        if value is None:
            return False
        text = self.scalar(value, path).lower()
        if text in ("yes", "true"):
            return True
        if text in ("no", "false"):
            return False
        raise self.fail(path, f"{text!r} is not yes/no", "write yes or no")


def parse_buildspec(text: str, *, filename: str = "buildspec.yml") -> Buildspec:
    """Parse and shape-check a buildspec; BuildspecError names the line and the fix."""
    loaded = load_document(text, filename=filename)
    errors = [f for f in loaded.findings if str(f.severity) == "error"]
    if loaded.data is None or errors:
        first = errors[0] if errors else None
        where = f"{filename}:{first.line}: " if first else f"{filename}: "
        message = first.message if first else "the file is empty"
        raise BuildspecError(f"{where}{message}; fix the YAML and try again")
    p = _Parser(loaded)
    top = p.mapping(loaded.data, ())
    if "version" not in top:
        raise p.fail((), "missing `version`", "add `version: 0.2` as the first line")
    version = p.scalar(top["version"], ("version",))
    if version not in ("0.1", "0.2"):
        raise p.fail(("version",), f"unsupported version {version!r}", "use 0.2 (or 0.1)")
    spec = Buildspec(version=version)
    _parse_env(p, top, spec)
    if "run-as" in top:
        spec.run_as = p.scalar(top["run-as"], ("run-as",))
    phases = p.mapping(top.get("phases"), ("phases",))
    if not phases:
        raise p.fail(("phases",), "no phases", "add `phases:` with at least a `build:` phase")
    for name, body in phases.items():
        if name not in PHASES:
            raise p.fail(
                ("phases", name),
                f"unknown phase {name!r}",
                f"phase names are fixed: {', '.join(PHASES)}",
            )
        spec.phases[name] = _parse_phase(p, name, body)
    if "artifacts" in top:
        spec.artifacts = _parse_artifacts(p, top["artifacts"])
    for group, body in p.mapping(top.get("reports"), ("reports",)).items():
        spec.reports.append(_parse_report(p, str(group), body))
    cache = p.mapping(top.get("cache"), ("cache",))
    if cache:
        spec.cache_paths = p.strings(cache.get("paths"), ("cache", "paths"), "cache paths")
        if not spec.cache_paths:
            raise p.fail(("cache",), "`cache` without `paths`", "list the paths to cache")
        if "key" in cache:
            spec.cache_key = p.scalar(cache["key"], ("cache", "key"))
    return spec


def _parse_env(p: _Parser, top: dict[str, Any], spec: Buildspec) -> None:
    env = p.mapping(top.get("env"), ("env",))
    legacy = p.mapping(top.get("environment_variables"), ("environment_variables",))
    if legacy:  # version 0.1 spelling
        env = {"variables": legacy.get("plaintext"), **env}
    for key, target in (
        ("variables", spec.variables),
        ("parameter-store", spec.parameter_store),
        ("secrets-manager", spec.secrets_manager),
    ):
        for name, value in p.mapping(env.get(key), ("env", key)).items():
            path = ("env", key, name)
            if not _ENV_NAME.match(str(name)):
                raise p.fail(
                    path,
                    f"{name!r} is not a valid variable name",
                    "use letters, digits and underscores",
                )
            if str(name).startswith("CODEBUILD_"):
                raise p.fail(
                    path, "names starting with CODEBUILD_ are reserved", "rename the variable"
                )
            target[str(name)] = "" if value is None else p.scalar(value, path)
    spec.exported_variables = p.strings(
        env.get("exported-variables"), ("env", "exported-variables"), "exported-variables"
    )
    for i, name in enumerate(spec.exported_variables):
        if name.startswith("AWS_"):
            raise p.fail(
                ("env", "exported-variables", i),
                f"{name} cannot be exported",
                "variables starting with AWS_ cannot be exported",
            )
    if "shell" in env:
        spec.shell = p.scalar(env["shell"], ("env", "shell"))
        if spec.shell not in ("bash", "/bin/sh", "sh"):
            raise p.fail(
                ("env", "shell"),
                f"shell {spec.shell!r} is not available on Linux",
                "use bash or /bin/sh",
            )


def _parse_on_failure(p: _Parser, value: Any, path: tuple[Any, ...]) -> OnFailure:
    text = p.scalar(value, path)
    upper = text.upper()
    if upper in ("ABORT", "CONTINUE"):
        return OnFailure(upper)
    match = _RETRY.match(text)
    if match:
        count_text, pattern = match.groups()
        count = 3 if count_text is None else int(count_text)
        if count > 100:
            raise p.fail(path, f"retry count {count} is over 100", "use RETRY-<0..100>")
        if pattern:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise p.fail(path, f"invalid regex {pattern!r} ({exc})", "fix the pattern") from exc
        return OnFailure("RETRY", count, pattern or ".*")
    raise p.fail(
        path,
        f"{text!r} is not a valid on-failure value",
        "use ABORT, CONTINUE, RETRY, RETRY-<count>, RETRY-<regex> or RETRY-<count>-<regex>",
    )


def _parse_phase(p: _Parser, name: str, body: Any) -> Phase:
    path = ("phases", name)
    body = p.mapping(body, path)
    allowed = ("commands", "finally", "on-failure", "run-as", "runtime-versions")
    for key in body:
        if key not in allowed:
            raise p.fail((*path, key), f"unknown key {key!r}", f"allowed: {', '.join(allowed)}")
    commands = p.strings(body.get("commands"), (*path, "commands"), "commands")
    if not commands and name != "install" and "commands" not in body:
        raise p.fail(path, f"phase {name} has no `commands`", "add a `commands:` list")
    runtimes: tuple[tuple[str, str], ...] = ()
    if "runtime-versions" in body:
        if name != "install":
            raise p.fail(
                (*path, "runtime-versions"),
                "runtime-versions is only allowed in install",
                "move it to phases.install",
            )
        raw = p.mapping(body["runtime-versions"], (*path, "runtime-versions"))
        if not raw:
            raise p.fail(
                (*path, "runtime-versions"),
                "runtime-versions is empty",
                "name at least one runtime, e.g. nodejs: 20",
            )
        runtimes = tuple(
            (str(k), p.scalar(v, (*path, "runtime-versions", k))) for k, v in raw.items()
        )
    on_failure = OnFailure("")
    if "on-failure" in body:
        on_failure = _parse_on_failure(p, body["on-failure"], (*path, "on-failure"))
    return Phase(
        name=name,
        commands=commands,
        finally_=p.strings(body.get("finally"), (*path, "finally"), "finally"),
        on_failure=on_failure,
        runtime_versions=runtimes,
        run_as=p.scalar(body["run-as"], (*path, "run-as")) if "run-as" in body else "",
    )


def _parse_artifact(p: _Parser, identifier: str, body: Any, path: tuple[Any, ...]) -> ArtifactSpec:
    body = p.mapping(body, path)
    files = p.strings(body.get("files"), (*path, "files"), "files")
    if not files:
        raise p.fail(path, "artifacts need `files`", "list the files, e.g. - '**/*'")
    return ArtifactSpec(
        identifier=identifier,
        files=files,
        name=p.scalar(body["name"], (*path, "name")) if "name" in body else "",
        base_directory=(
            p.scalar(body["base-directory"], (*path, "base-directory"))
            if "base-directory" in body
            else ""
        ),
        discard_paths=p.yes(body.get("discard-paths"), (*path, "discard-paths")),
        exclude_paths=p.strings(
            body.get("exclude-paths"), (*path, "exclude-paths"), "exclude-paths"
        ),
        enable_symlinks=p.yes(body.get("enable-symlinks"), (*path, "enable-symlinks")),
        s3_prefix=p.scalar(body["s3-prefix"], (*path, "s3-prefix")) if "s3-prefix" in body else "",
    )


def _parse_artifacts(p: _Parser, raw: Any) -> list[ArtifactSpec]:
    body = p.mapping(raw, ("artifacts",))
    found = [_parse_artifact(p, "", body, ("artifacts",))]
    secondary = p.mapping(body.get("secondary-artifacts"), ("artifacts", "secondary-artifacts"))
    for ident, spec in secondary.items():
        found.append(
            _parse_artifact(p, str(ident), spec, ("artifacts", "secondary-artifacts", ident))
        )
    return found


def _parse_report(p: _Parser, group: str, body: Any) -> ReportSpec:
    path = ("reports", group)
    body = p.mapping(body, path)
    files = p.strings(body.get("files"), (*path, "files"), "files")
    if not files:
        raise p.fail(path, "a report group needs `files`", "list the report files")
    fmt = p.scalar(body.get("file-format", "JUNITXML"), (*path, "file-format")).upper()
    if fmt not in _REPORT_FORMATS:
        raise p.fail(
            (*path, "file-format"),
            f"unknown report format {fmt!r}",
            f"use one of {', '.join(_REPORT_FORMATS)}",
        )
    return ReportSpec(
        group=group,
        files=files,
        base_directory=(
            p.scalar(body["base-directory"], (*path, "base-directory"))
            if "base-directory" in body
            else ""
        ),
        discard_paths=p.yes(body.get("discard-paths"), (*path, "discard-paths")),
        file_format=fmt,
    )
