"""The one typed buildspec: keys, allowed values and the model both checker and runner read."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from simulator._findings import Path
from simulator._loading import Loaded
from simulator._rules import did_you_mean, join_hint
from simulator._shapes import (
    BOOL,
    INT,
    SCALAR,
    STR,
    STRS,
    YESNO,
    Issue,
    ListOf,
    Map,
    MapOf,
    type_name,
    walk,
)

VERSIONS = ("0.2", "0.1")
PHASE_NAMES = ("install", "pre_build", "build", "post_build")
ENV_SECTIONS = ("variables", "parameter-store", "secrets-manager")
"""The env sections that map variable names to values (or to parameter and secret names)."""
TEST_REPORT_FORMATS = (
    "CUCUMBERJSON",
    "JUNITXML",
    "NUNITXML",
    "NUNIT3XML",
    "TESTNGXML",
    "VISUALSTUDIOTRX",
)
COVERAGE_REPORT_FORMATS = ("CLOVERXML", "COBERTURAXML", "JACOCOXML", "SIMPLECOV")
REPORT_FORMATS = TEST_REPORT_FORMATS + COVERAGE_REPORT_FORMATS
DEFAULT_REPORT_FORMAT = "JUNITXML"
SHELLS = ("bash", "/bin/sh", "powershell.exe", "cmd.exe")
LINUX_SHELLS = ("bash", "/bin/sh")
ON_FAILURE_MODES = ("ABORT", "CONTINUE", "RETRY")
MAX_RETRIES = 100
DEFAULT_RETRIES = 3
CACHE_ACTIONS = ("restore", "save")
ON_FAILURE_HINT = (
    "valid values: ABORT, CONTINUE, RETRY, RETRY-<count 0-100>, RETRY-<regex>,"
    " RETRY-<count>-<regex>"
)

# --- the shapes: every key the buildspec knows, and the type of its value --------------------

PHASE = Map(
    {
        "run-as": STR,
        "on-failure": STR,
        "runtime-versions": MapOf(SCALAR),
        "commands": STRS,
        "finally": STRS,
    }
)
ENV = Map(
    {
        "shell": STR,
        "variables": MapOf(SCALAR),
        "parameter-store": MapOf(STR),
        "exported-variables": STRS,
        "secrets-manager": MapOf(STR),
        "git-credential-helper": YESNO,
    }
)
_TASK_ENV = Map(
    {
        "compute-type": STR,
        "fleet": STR,
        "image": STR,
        "privileged-mode": BOOL,
        "type": STR,
        "variables": MapOf(SCALAR),
        "git-credential-helper": YESNO,
    }
)
_TASK = {
    "identifier": STR,
    "buildspec": STR,
    "debug-session": BOOL,
    "env": _TASK_ENV,
    "ignore-failure": BOOL,
}
BATCH_KINDS = ("build-graph", "build-list", "build-matrix", "build-fanout")
BATCH = Map(
    {
        "fast-fail": BOOL,
        "build-graph": ListOf(Map({**_TASK, "depend-on": STRS})),
        "build-list": ListOf(Map(_TASK)),
        "build-matrix": Map(
            {
                "static": Map({"ignore-failure": BOOL, "env": _TASK_ENV}),
                "dynamic": Map(
                    {
                        "buildspec": STRS,
                        "env": Map(
                            {
                                "compute-type": STRS,
                                "image": STRS,
                                "variables": MapOf(ListOf(SCALAR)),
                            }
                        ),
                    }
                ),
            }
        ),
        "build-fanout": Map({"parallelism": INT, "ignore-failure": BOOL}),
    }
)
ARTIFACT_FIELDS = {
    "files": STRS,
    "name": STR,
    "discard-paths": YESNO,
    "base-directory": STR,
    "exclude-paths": STRS,
    "enable-symlinks": YESNO,
    "s3-prefix": STR,
}
ARTIFACTS = Map({**ARTIFACT_FIELDS, "secondary-artifacts": MapOf(Map(ARTIFACT_FIELDS))})
REPORT = Map({"files": STRS, "base-directory": STR, "discard-paths": YESNO, "file-format": STR})
CACHE = Map({"key": STR, "fallback-keys": STRS, "action": STR, "paths": STRS})
TOP_02 = Map(
    {
        "version": SCALAR,
        "run-as": STR,
        "env": ENV,
        "proxy": Map({"upload-artifacts": YESNO, "logs": YESNO}),
        "batch": BATCH,
        "phases": MapOf(PHASE),
        "reports": MapOf(REPORT),
        "artifacts": ARTIFACTS,
        "cache": CACHE,
    }
)
TOP_01 = Map(
    {
        "version": SCALAR,
        "environment_variables": Map({"plaintext": MapOf(SCALAR)}),
        "phases": MapOf(PHASE),
        "artifacts": Map({**ARTIFACT_FIELDS, "type": STR}),
    }
)

# --- the model ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """A checker error found while typing: its code, where, what, and the fix."""

    code: str
    path: Path
    message: str
    hint: str
    key: bool = False
    stops_run: bool = True
    """False for a value YAML typed against its spelling (a bare `true`) or left empty: the
    runner reads the text as written, or the section as absent, as it always has."""


@dataclass(frozen=True)
class OnFailure:
    """A phase's `on-failure`: ABORT, CONTINUE or RETRY with a count and a message regex."""

    mode: str = ""  # "ABORT" | "CONTINUE" | "RETRY" | "" (default transitions)
    retries: int = 0
    pattern: str = ".*"


@dataclass(frozen=True)
class Phase:
    """One of the four phases as written (its commands' text keeps YAML's spelling)."""

    name: str
    commands: tuple[str, ...]
    finally_: tuple[str, ...]
    on_failure: OnFailure
    runtime_versions: tuple[tuple[str, str], ...] = ()
    run_as: str = ""
    has_runtime_versions: bool = False  # the key is written (it may be empty)


@dataclass(frozen=True)
class SecretRef:
    """A secrets-manager reference: secret-id[:json-key[:version-stage[:version-id]]]."""

    secret_id: str
    json_key: str = ""
    version_stage: str = ""
    version_id: str = ""
    extra_parts: int = 0  # parts past the fourth (invalid)


@dataclass(frozen=True)
class ArtifactSpec:
    """The primary artifact (identifier "") or one secondary artifact."""

    identifier: str
    files: tuple[str, ...]
    path: Path = ("artifacts",)
    name: str = ""
    base_directory: str = ""
    discard_paths: bool = False
    exclude_paths: tuple[str, ...] = ()
    enable_symlinks: bool = False
    s3_prefix: str = ""


@dataclass(frozen=True)
class ReportSpec:
    """One report group: the files to read and their format (upper case)."""

    group: str
    files: tuple[str, ...]
    base_directory: str = ""
    discard_paths: bool = False
    file_format: str = DEFAULT_REPORT_FORMAT


@dataclass(frozen=True)
class CacheSpec:
    """The local/S3 cache: paths to keep, and the keys that name them."""

    paths: tuple[str, ...] = ()
    key: str = ""
    fallback_keys: tuple[str, ...] = ()
    action: str = ""


@dataclass(frozen=True)
class Buildspec:
    """A buildspec, typed; `problems` lists what stops it from running (empty when it can)."""

    version: str  # "0.2", "0.1", or "" when missing or invalid
    variables: Mapping[str, str] = field(default_factory=dict)
    parameter_store: Mapping[str, str] = field(default_factory=dict)
    secrets_manager: Mapping[str, str] = field(default_factory=dict)
    exported_variables: tuple[str, ...] = ()
    shell: str = "bash"
    shell_given: bool = False
    run_as: str = ""
    phases: Mapping[str, Phase] = field(default_factory=dict)
    artifacts: tuple[ArtifactSpec, ...] = ()
    reports: tuple[ReportSpec, ...] = ()
    cache: CacheSpec | None = None
    has_batch: bool = False
    issues: tuple[Issue, ...] = ()  # the shape walker's unknown keys and wrong types
    problems: tuple[Problem, ...] = ()

    @property
    def blocking(self) -> tuple[Problem, ...]:
        """The problems that stop the runner."""
        return tuple(p for p in self.problems if p.stops_run)

    @property
    def cache_paths(self) -> tuple[str, ...]:
        return self.cache.paths if self.cache else ()

    def problems_of(self, code: str) -> Iterator[Problem]:
        """The problems one checker rule reports."""
        return (p for p in self.problems if p.code == code)


_RETRY = re.compile(r"^retry(?:-(.*))?$", re.I | re.S)
_RETRY_COUNT = re.compile(r"^(\d+)(?:-(.*))?$", re.S)


def parse_on_failure(value: Any) -> OnFailure | str:
    """The typed on-failure value, or what is wrong with it."""
    if not isinstance(value, str):
        return f"on-failure must be a string, not {type_name(value)}"
    if value in ("ABORT", "CONTINUE"):
        return OnFailure(value)
    match = _RETRY.match(value)
    if not match:
        return f"{value!r} is not a valid on-failure value"
    rest = match.group(1)
    if rest is None:
        return OnFailure("RETRY", DEFAULT_RETRIES)
    if rest == "":
        return "RETRY- must be followed by a count or an error-message pattern"
    count, pattern = DEFAULT_RETRIES, rest
    count_match = _RETRY_COUNT.match(rest)
    if count_match:
        count = int(count_match.group(1))
        if count > MAX_RETRIES:
            return f"retry count {count} is out of range (0-{MAX_RETRIES})"
        pattern = count_match.group(2)
        if pattern is None:
            return OnFailure("RETRY", count)
        if pattern == "":
            return "the error-message pattern after the count is empty"
    try:
        re.compile(pattern)
    except re.error as exc:
        return f"the error-message pattern {pattern!r} is not a valid regular expression ({exc})"
    return OnFailure("RETRY", count, pattern)


def parse_secret_ref(reference: str) -> SecretRef:
    """Split a secrets-manager reference (an ARN keeps its own seven ':'-separated parts)."""
    parts = reference.split(":")
    if reference.startswith("arn:"):
        secret_id, rest = ":".join(parts[:7]), parts[7:]
    else:
        secret_id, rest = parts[0], parts[1:]
    extra = max(len(rest) - 3, 0)
    rest += [""] * (3 - len(rest))
    return SecretRef(secret_id, rest[0], rest[1], rest[2], extra)


def secret_ref_problem(ref: SecretRef) -> str | None:
    """What makes a secrets-manager reference unusable, else None."""
    if not ref.secret_id.strip():
        return "the secret id (before the first ':') is empty"
    if ref.extra_parts:
        return f"{ref.extra_parts + 4} parts separated by ':' (at most 4)"
    if ref.version_stage and ref.version_id:
        return "version-stage and version-id are both given (they are mutually exclusive)"
    return None


def version_of(loaded: Loaded) -> str:
    """'0.2', '0.1' or '' (missing or invalid); YAML's 0.2 float keeps its spelling."""
    data = loaded.data if isinstance(loaded.data, dict) else {}
    value = data.get("version")
    if isinstance(value, float | int) and not isinstance(value, bool):
        text = loaded.raw.get(("version",), str(value))
        value = text if text in VERSIONS else str(value)
    return value if value in VERSIONS else ""


def read_buildspec(loaded: Loaded) -> Buildspec:
    """Type a loaded buildspec; never raises: what cannot run is listed in `problems`."""
    return _Reader(loaded).read()


def _mapping(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


class _Reader:
    """The loaded document and the problems found so far; `_read_*` functions type sections."""

    def __init__(self, loaded: Loaded) -> None:
        self.loaded = loaded
        self.top = _mapping(loaded.data)
        self.problems: list[Problem] = []

    def problem(
        self, code: str, path: Path, message: str, hint: str, key: bool = False, stops: bool = True
    ) -> None:
        self.problems.append(Problem(code, path, message, hint, key, stops))

    def text(self, value: Any, path: Path) -> str:
        """A scalar as written (YAML `yes`/`0.2` keep their spelling); "" for anything else."""
        if value is None or isinstance(value, dict | list):
            return ""
        return self.loaded.raw.get(path, value if isinstance(value, str) else str(value))

    def strings(self, value: Any, path: Path) -> tuple[str, ...]:
        """A list of strings (one string is a list of one); empty and mapping items are left out."""
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list):
            return ()
        return tuple(
            self.text(item, (*path, i))
            for i, item in enumerate(value)
            if item is not None and not isinstance(item, dict | list)
        )

    def yes(self, value: Any) -> bool:
        return value is True or (isinstance(value, str) and value.lower() in ("yes", "true"))

    def read(self) -> Buildspec:
        version = version_of(self.loaded)
        issues: list[Issue] = []
        walk(self.top, TOP_01 if version == "0.1" else TOP_02, (), issues)
        self._version(version)
        self._issues(issues)
        env = _read_env(self)
        phases = _read_phases(self)
        cache = _read_cache(self)
        return Buildspec(
            version=version,
            run_as=self.text(self.top.get("run-as"), ("run-as",)),
            phases=phases,
            artifacts=_read_artifacts(self),
            reports=_read_reports(self),
            cache=cache,
            has_batch="batch" in self.top,
            issues=tuple(issues),
            problems=tuple(self.problems),
            **env,
        )

    def _version(self, version: str) -> None:
        if "version" not in self.top:
            self.problem(
                "BS001",
                (),
                "the buildspec has no `version`",
                "add `version: 0.2` as the first line",
            )
        elif not version:
            value = self.loaded.raw.get(("version",), self.top["version"])
            self.problem(
                "BS002",
                ("version",),
                f"version {value!r} is not a buildspec version",
                "use `version: 0.2` (0.1 is still accepted but runs each command in its own shell)",
            )

    def _issues(self, issues: list[Issue]) -> None:
        """Wrong types the checker reports as errors (BS007 and BS018)."""
        for issue in issues:
            if issue.kind != "type":
                continue
            stops = not (issue.value is None or isinstance(issue.value, bool))
            if issue.expected == YESNO:
                self.problem(
                    "BS018",
                    issue.path,
                    f"`{issue.path[-1]}` takes yes or no, not {issue.value!r}",
                    did_you_mean(issue.value, ("yes", "no")) or "write yes or no",
                    stops=stops,
                )
                continue
            if issue.path[-1:] in (("commands",), ("finally",)) and isinstance(issue.value, str):
                continue  # a single string: BS012 warns, it runs as a list of one
            in_commands = len(issue.path) >= 2 and issue.path[-2] in ("commands", "finally")
            if in_commands and isinstance(issue.value, dict):
                continue  # BS011, from the phases
            if len(issue.path) == 2 and issue.path[0] == "phases" and issue.value is None:
                continue  # an empty phase: BS009
            if issue.path == ("phases",) and issue.value is None:
                continue  # BS005
            hint = "fix the indentation or the value"
            if isinstance(issue.value, dict) and issue.expected == "a list":
                hint = "start each item with `- `"
            self.problem(
                "BS007",
                issue.path,
                f"expected {issue.expected}, found {type_name(issue.value)}",
                hint,
                stops=stops,
            )


def _read_env(r: _Reader) -> dict[str, Any]:
    env = _mapping(r.top.get("env"))
    sections: dict[str, dict[str, str]] = {key: {} for key in ENV_SECTIONS}
    plaintext = _mapping(_mapping(r.top.get("environment_variables")).get("plaintext"))
    for name, value in plaintext.items():  # version 0.1 spelling of env.variables
        spelt = r.text(value, ("environment_variables", "plaintext", name))
        sections["variables"][str(name)] = spelt
    for key, target in sections.items():
        for name, value in _mapping(env.get(key)).items():
            target[str(name)] = r.text(value, ("env", key, name))
    for name, reference in _mapping(env.get("secrets-manager")).items():
        if not isinstance(reference, str) or reference.startswith("$"):
            continue  # a wrong type is BS007; a variable is only known at build time
        problem = secret_ref_problem(parse_secret_ref(reference))
        if problem:
            r.problem(
                "BS016",
                ("env", "secrets-manager", name),
                f"secrets-manager reference {reference!r}: {problem}",
                "format: secret-id:json-key:version-stage:version-id (all but secret-id"
                " optional), e.g. prod/api-key:API_KEY",
            )
    path = ("env", "exported-variables")
    exported = r.strings(env.get("exported-variables"), path)
    for i, name in enumerate(exported):
        if name.upper().startswith("AWS_"):
            r.problem(
                "BS014",
                (*path, i),
                f"{name!r} cannot be exported: variables whose names start with AWS_ are not"
                " exported to CodePipeline",
                "copy the value into a variable with another name and export that",
            )
    return {
        "variables": sections["variables"],
        "parameter_store": sections["parameter-store"],
        "secrets_manager": sections["secrets-manager"],
        "exported_variables": exported,
        "shell": r.text(env.get("shell"), ("env", "shell")) or "bash",
        "shell_given": "shell" in env,
    }


def _read_phases(r: _Reader) -> dict[str, Phase]:
    raw = r.top.get("phases")
    if raw is None and "batch" not in r.top:
        r.problem(
            "BS005",
            ("phases",) if "phases" in r.top else (),
            "the buildspec has no `phases` (or it is empty), so there is nothing to run",
            "add `phases:` with at least a `build:` phase and its `commands:` list",
            key=True,
        )
    phases: dict[str, Phase] = {}
    for name, body in _mapping(raw).items():
        if name not in PHASE_NAMES:
            r.problem(
                "BS006",
                ("phases", name),
                f"{name!r} is not a phase: the only phases are install, pre_build, build and"
                " post_build, and no new ones can be added",
                did_you_mean(str(name).replace("-", "_"), PHASE_NAMES)
                or "put these commands in one of the four phases",
                key=True,
            )
            continue
        phases[name] = _read_phase(r, name, _mapping(body))
    return phases


def _read_phase(r: _Reader, name: str, body: dict[Any, Any]) -> Phase:
    path: Path = ("phases", name)
    _read_phase_commands(r, name, body)
    for key in ("commands", "finally"):
        for i, command in enumerate(_as_list(body.get(key))):
            if isinstance(command, dict):
                r.problem(
                    "BS011",
                    (*path, key, i),
                    f"this command contains ': ' so YAML read it as a mapping"
                    f" ({next(iter(command), '')!r}: ...), not as a command string",
                    "put the whole command in quotes, e.g. - \"echo 'a: b'\", or use a block"
                    " scalar (- |)",
                )
    runtimes = _mapping(body.get("runtime-versions"))
    if "runtime-versions" in body and name != "install":
        r.problem(
            "BS008",
            (*path, "runtime-versions"),
            f"`runtime-versions` is only read in the install phase, not in {name}",
            "move it to phases.install.runtime-versions",
            key=True,
        )
    elif "runtime-versions" in body and not body["runtime-versions"]:
        r.problem(
            "BS019",
            (*path, "runtime-versions"),
            "`runtime-versions` is present but lists no runtime",
            "add a runtime (e.g. nodejs: 20) or remove the key",
            key=True,
        )
    on_failure = OnFailure()
    if "on-failure" in body:
        parsed = parse_on_failure(body["on-failure"])
        if isinstance(parsed, str):
            r.problem(
                "BS010",
                (*path, "on-failure"),
                parsed,
                join_hint(did_you_mean(body["on-failure"], ON_FAILURE_MODES), ON_FAILURE_HINT),
            )
        else:
            on_failure = parsed
    return Phase(
        name=name,
        commands=r.strings(body.get("commands"), (*path, "commands")),
        finally_=r.strings(body.get("finally"), (*path, "finally")),
        on_failure=on_failure,
        runtime_versions=tuple(
            (str(k), r.text(v, (*path, "runtime-versions", k))) for k, v in runtimes.items()
        ),
        run_as=r.text(body.get("run-as"), (*path, "run-as")),
        has_runtime_versions="runtime-versions" in body,
    )


def _read_phase_commands(r: _Reader, name: str, body: dict[Any, Any]) -> None:
    """BS009's error: a phase other than install with no commands (empty lists only warn)."""
    if body.get("commands") not in (None, [], "") or name == "install" or "commands" in body:
        return
    r.problem(
        "BS009",
        ("phases", name),
        f"the {name} phase has no commands (commands are required when the phase is present)",
        "add a `commands:` list, or remove the phase",
        key=True,
    )


def _read_artifacts(r: _Reader) -> tuple[ArtifactSpec, ...]:
    raw = r.top.get("artifacts")
    if not isinstance(raw, dict):
        return ()
    found: list[ArtifactSpec] = []
    # Only secondary artifacts (the form AWS's own libraries generate): the top level then
    # holds no primary artifact and needs no `files`.
    if raw.get("files") or not raw.get("secondary-artifacts"):
        found.append(_read_artifact(r, "", raw, ("artifacts",)))
    for ident, spec in _mapping(raw.get("secondary-artifacts")).items():
        if isinstance(spec, dict):
            path = ("artifacts", "secondary-artifacts", ident)
            found.append(_read_artifact(r, str(ident), spec, path))
    return tuple(found)


def _read_artifact(r: _Reader, identifier: str, body: dict[Any, Any], path: Path) -> ArtifactSpec:
    if not body.get("files"):
        r.problem(
            "BS023",
            path,
            "`files` is required in every artifact (the primary one, unless only"
            " secondary-artifacts are declared, and each secondary one)",
            "add `files:` with the paths to upload, e.g. - '**/*'",
            key=True,
        )
    return ArtifactSpec(
        identifier=identifier,
        files=r.strings(body.get("files"), (*path, "files")),
        path=path,
        name=r.text(body.get("name"), (*path, "name")),
        base_directory=r.text(body.get("base-directory"), (*path, "base-directory")),
        discard_paths=r.yes(body.get("discard-paths")),
        exclude_paths=r.strings(body.get("exclude-paths"), (*path, "exclude-paths")),
        enable_symlinks=r.yes(body.get("enable-symlinks")),
        s3_prefix=r.text(body.get("s3-prefix"), (*path, "s3-prefix")),
    )


def _read_reports(r: _Reader) -> tuple[ReportSpec, ...]:
    found: list[ReportSpec] = []
    for group, body in _mapping(r.top.get("reports")).items():
        if not isinstance(body, dict):
            continue
        path = ("reports", group)
        if not body.get("files"):
            r.problem(
                "BS025",
                path,
                f"report group {group!r} has no `files`",
                "add `files:` with the report files, e.g. - 'reports/*.xml'",
                key=True,
            )
        fmt = body.get("file-format")
        if fmt is not None and str(fmt).upper() not in REPORT_FORMATS:
            r.problem(
                "BS026",
                (*path, "file-format"),
                f"{fmt!r} is not a report file format",
                join_hint(
                    did_you_mean(str(fmt).upper(), REPORT_FORMATS),
                    f"tests: {', '.join(TEST_REPORT_FORMATS)}; coverage:"
                    f" {', '.join(COVERAGE_REPORT_FORMATS)}",
                ),
            )
        found.append(
            ReportSpec(
                group=str(group),
                files=r.strings(body.get("files"), (*path, "files")),
                base_directory=r.text(body.get("base-directory"), (*path, "base-directory")),
                discard_paths=r.yes(body.get("discard-paths")),
                file_format=str(fmt).upper() if fmt is not None else DEFAULT_REPORT_FORMAT,
            )
        )
    return tuple(found)


def _read_cache(r: _Reader) -> CacheSpec | None:
    raw = r.top.get("cache")
    if not isinstance(raw, dict):
        return None
    if not raw.get("paths") and "paths" not in raw:  # `paths:` left empty only warns
        r.problem(
            "BS027",
            ("cache",),
            "`cache` needs `paths`: the files to keep between builds",
            "add `paths:`, e.g. - 'node_modules/**/*'",
            key=True,
        )
    action = r.text(raw.get("action"), ("cache", "action"))
    if raw.get("action") is not None and raw["action"] not in CACHE_ACTIONS:
        r.problem(
            "BS028",
            ("cache", "action"),
            f"cache action {raw['action']!r} is not valid",
            join_hint(
                did_you_mean(raw["action"], CACHE_ACTIONS),
                "use restore or save, or leave it out to do both",
            ),
        )
    return CacheSpec(
        paths=r.strings(raw.get("paths"), ("cache", "paths")),
        key=r.text(raw.get("key"), ("cache", "key")),
        fallback_keys=r.strings(raw.get("fallback-keys"), ("cache", "fallback-keys")),
        action=action,
    )


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
