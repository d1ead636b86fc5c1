"""Buildspec rules (BS0xx): versions 0.2 and 0.1, shape and semantics (fact sheet sections 1-2)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

from simulator._findings import Path, Severity
from simulator._images import (
    DEFAULT_IMAGE,
    IMAGES,
    KNOWN_RUNTIMES,
    NO_RUNTIME_VERSIONS,
    normalise_image,
    version_available,
)
from simulator._rules import Context, RuleDecorator, did_you_mean, join_hint, rule
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

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO
STRUCT = "codebuild-buildspec/buildspec-structure"
PHASES_DOC = "codebuild-buildspec/build-phases-and-failures"
ENV_DOC = "codebuild-buildspec/build-environment-variables"
ARTIFACTS_DOC = "codebuild-buildspec/artifacts-reports-cache"
BATCH_DOC = "codebuild-operations/batch-builds"
IMAGES_DOC = "codebuild-operations/build-images-and-local-builds"

PHASE_NAMES = ("install", "pre_build", "build", "post_build")
REPORT_FORMATS = (
    "CUCUMBERJSON",
    "JUNITXML",
    "NUNITXML",
    "NUNIT3XML",
    "TESTNGXML",
    "VISUALSTUDIOTRX",
    "CLOVERXML",
    "COBERTURAXML",
    "JACOCOXML",
    "SIMPLECOV",
)
SHELLS = ("bash", "/bin/sh", "powershell.exe", "cmd.exe")

_PHASE = Map(
    {
        "run-as": STR,
        "on-failure": STR,
        "runtime-versions": MapOf(SCALAR),
        "commands": STRS,
        "finally": STRS,
    }
)
_ENV = Map(
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
_BATCH = Map(
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
_ARTIFACT_FIELDS = {
    "files": STRS,
    "name": STR,
    "discard-paths": YESNO,
    "base-directory": STR,
    "exclude-paths": STRS,
    "enable-symlinks": YESNO,
    "s3-prefix": STR,
}
_ARTIFACTS = Map({**_ARTIFACT_FIELDS, "secondary-artifacts": MapOf(Map(_ARTIFACT_FIELDS))})
_REPORT = Map({"files": STRS, "base-directory": STR, "discard-paths": YESNO, "file-format": STR})
_CACHE = Map({"key": STR, "fallback-keys": STRS, "action": STR, "paths": STRS})
TOP_02 = Map(
    {
        "version": SCALAR,
        "run-as": STR,
        "env": _ENV,
        "proxy": Map({"upload-artifacts": YESNO, "logs": YESNO}),
        "batch": _BATCH,
        "phases": MapOf(_PHASE),
        "reports": MapOf(_REPORT),
        "artifacts": _ARTIFACTS,
        "cache": _CACHE,
    }
)
TOP_01 = Map(
    {
        "version": SCALAR,
        "environment_variables": Map({"plaintext": MapOf(SCALAR)}),
        "phases": MapOf(_PHASE),
        "artifacts": Map({**_ARTIFACT_FIELDS, "type": STR}),
    }
)
# Keys that are valid in a buildspec, but in another section: where they belong.
BELONGS = {
    "commands": "phases.<phase>.commands",
    "finally": "phases.<phase>.finally",
    "runtime-versions": "phases.install.runtime-versions",
    "on-failure": "phases.<phase>.on-failure",
    "variables": "env.variables",
    "parameter-store": "env.parameter-store",
    "secrets-manager": "env.secrets-manager",
    "exported-variables": "env.exported-variables",
    "shell": "env.shell",
    "git-credential-helper": "env.git-credential-helper",
    "paths": "cache.paths",
    "files": "artifacts.files (or reports.<group>.files)",
    "discard-paths": "artifacts.discard-paths",
    "base-directory": "artifacts.base-directory",
    "secondary-artifacts": "artifacts.secondary-artifacts",
    "install": "phases.install",
    "pre_build": "phases.pre_build",
    "build": "phases.build",
    "post_build": "phases.post_build",
    "build-graph": "batch.build-graph",
    "build-list": "batch.build-list",
    "build-matrix": "batch.build-matrix",
}
_SECRETISH = re.compile(
    r"PASS(WORD|WD)?$|PASSWORD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL", re.I
)
_NOT_SECRET_SUFFIX = re.compile(
    r"(_NAME|_ARN|_ID|_PATH|_PARAM|_PARAMETER|_FILE|_URL|_REGION)$", re.I
)
_AWS_KEY = re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b")
_VAR_REF = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")


def _rule(code: str, severity: Severity, summary: str, doc: str = STRUCT) -> RuleDecorator:
    return rule(code, severity, summary, doc=doc, kind="buildspec")


def _version(ctx: Context) -> str | None:
    """'0.2', '0.1' or None (missing/invalid)."""
    value = ctx.data.get("version")
    if isinstance(value, float | int) and not isinstance(value, bool):
        text = ctx.loaded.raw.get(("version",), str(value))
        value = text if text in ("0.1", "0.2") else str(value)
    return value if value in ("0.1", "0.2") else None


def _issues(ctx: Context) -> list[Issue]:
    if "issues" not in ctx.cache:
        issues: list[Issue] = []
        walk(ctx.data, TOP_01 if _version(ctx) == "0.1" else TOP_02, (), issues)
        ctx.cache["issues"] = issues
    found: list[Issue] = ctx.cache["issues"]
    return found


def _mapping(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def _phases(ctx: Context) -> Iterator[tuple[str, dict[Any, Any]]]:
    for name, body in _mapping(ctx.data.get("phases")).items():
        if name in PHASE_NAMES:
            yield name, _mapping(body)


def _env(ctx: Context) -> dict[Any, Any]:
    return _mapping(ctx.data.get("env"))


def _named_vars(ctx: Context) -> Iterator[tuple[Path, str, Any]]:
    """(path, name, value) of every variable the buildspec defines, in every section."""
    env = _env(ctx)
    for section in ("variables", "parameter-store", "secrets-manager"):
        for name, value in _mapping(env.get(section)).items():
            yield ("env", section, name), str(name), value
    plaintext = _mapping(_mapping(ctx.data.get("environment_variables")).get("plaintext"))
    for name, value in plaintext.items():
        yield ("environment_variables", "plaintext", name), str(name), value


def _plain_vars(ctx: Context) -> Iterator[tuple[Path, str, Any]]:
    for path, name, value in _named_vars(ctx):
        if path[1] in ("variables", "plaintext"):
            yield path, name, value


def _artifact_sets(ctx: Context) -> Iterator[tuple[Path, dict[Any, Any]]]:
    artifacts = ctx.data.get("artifacts")
    if isinstance(artifacts, dict):
        yield ("artifacts",), artifacts
        for ident, spec in _mapping(artifacts.get("secondary-artifacts")).items():
            if isinstance(spec, dict):
                yield ("artifacts", "secondary-artifacts", ident), spec


def _batch_tasks(ctx: Context) -> Iterator[tuple[str, Path, dict[Any, Any]]]:
    batch = _mapping(ctx.data.get("batch"))
    for kind in ("build-graph", "build-list"):
        tasks = batch.get(kind)
        if isinstance(tasks, list):
            for i, task in enumerate(tasks):
                if isinstance(task, dict):
                    yield kind, ("batch", kind, i), task


def _is_yes(value: Any) -> bool:
    return value is True or value == "yes"


# --- version -------------------------------------------------------------------------------


@_rule("BS001", E, "`version` is missing")
def version_missing(ctx: Context) -> None:
    if "version" not in ctx.data:
        ctx.report(
            "BS001",
            (),
            "the buildspec has no `version`",
            "add `version: 0.2` as the first line",
        )


@_rule("BS002", E, "`version` is not 0.2 or 0.1")
def version_invalid(ctx: Context) -> None:
    if "version" in ctx.data and _version(ctx) is None:
        value = ctx.loaded.raw.get(("version",), ctx.data["version"])
        ctx.report(
            "BS002",
            ("version",),
            f"version {value!r} is not a buildspec version",
            "use `version: 0.2` (0.1 is still accepted but runs each command in its own shell)",
        )


@_rule("BS003", INFO, "version 0.1 runs every command in a separate shell", PHASES_DOC)
def version_01(ctx: Context) -> None:
    if _version(ctx) == "0.1":
        ctx.report(
            "BS003",
            ("version",),
            "version 0.1 runs each command in a new shell: `cd`, exported variables and other"
            " state do not carry over to the next command",
            "use version 0.2 (one shell for all commands), or join dependent commands with &&",
        )


# --- shape ---------------------------------------------------------------------------------


@_rule("BS004", W, "unknown key (CodeBuild ignores it)")
def unknown_key(ctx: Context) -> None:
    for issue in _issues(ctx):
        if issue.kind != "unknown" or issue.value in BELONGS or _renamed(ctx, issue.path):
            continue
        if issue.path[:1] == ("phases",) and len(issue.path) == 2:
            continue  # unknown phase names are BS006
        if did_you_mean(issue.value, issue.choices):
            continue  # a misspelt known key: BS041
        ctx.report(
            "BS004",
            issue.path,
            f"unknown key {issue.value!r}: CodeBuild does not use it here",
            join_hint(
                did_you_mean(issue.value, issue.choices),
                f"known keys here: {', '.join(issue.choices)}",
            ),
            key=True,
        )


@_rule("BS041", E, "a misspelt key (CodeBuild ignores it, so the section is lost)")
def misspelt_key(ctx: Context) -> None:
    for issue in _issues(ctx):
        if issue.kind != "unknown" or issue.value in BELONGS or _renamed(ctx, issue.path):
            continue
        if issue.path[:1] == ("phases",) and len(issue.path) == 2:
            continue
        suggestion = did_you_mean(issue.value, issue.choices)
        if suggestion:
            ctx.report(
                "BS041",
                issue.path,
                f"unknown key {issue.value!r}: CodeBuild ignores it, so this part of the"
                " buildspec has no effect",
                suggestion,
                key=True,
            )


@_rule("BS038", E, "a buildspec key in the wrong section")
def misplaced_key(ctx: Context) -> None:
    for issue in _issues(ctx):
        if issue.kind == "unknown" and issue.value in BELONGS:
            if issue.path[:1] == ("phases",) and len(issue.path) == 2:
                continue
            if issue.path[-2:] == ("artifacts", "files") or _renamed(ctx, issue.path):
                continue
            ctx.report(
                "BS038",
                issue.path,
                f"`{issue.value}` is not valid here: it belongs under {BELONGS[issue.value]}",
                "move it (check the indentation: two spaces per level)",
                key=True,
            )


def _renamed(ctx: Context, path: Path) -> bool:
    return path in (("environment_variables",), ("env",)) or path[-1:] == ("plaintext",)


@_rule("BS007", E, "a value has the wrong type")
def wrong_type(ctx: Context) -> None:
    for issue in _issues(ctx):
        if issue.kind != "type":
            continue
        if issue.path[-1:] in (("commands",), ("finally",)) and isinstance(issue.value, str):
            continue  # BS012
        in_commands = len(issue.path) >= 2 and issue.path[-2] in ("commands", "finally")
        if in_commands and isinstance(issue.value, dict):
            continue  # BS011
        if len(issue.path) == 2 and issue.path[0] == "phases" and issue.value is None:
            continue  # an empty phase: BS009
        if issue.path == ("phases",) and issue.value is None:
            continue
        hint = "fix the indentation or the value"
        if issue.expected == YESNO:
            continue  # BS018
        if isinstance(issue.value, dict) and issue.expected == "a list":
            hint = "start each item with `- `"
        ctx.report(
            "BS007",
            issue.path,
            f"expected {issue.expected}, found {type_name(issue.value)}",
            hint,
        )


@_rule("BS037", E, "a key from the other buildspec version")
def other_version_key(ctx: Context) -> None:
    version = _version(ctx)
    if version == "0.2":
        if "environment_variables" in ctx.data:
            ctx.report(
                "BS037",
                ("environment_variables",),
                "`environment_variables` is the version 0.1 name; version 0.2 reads `env`",
                "rename it to `env` and its `plaintext` to `variables`",
                key=True,
            )
    elif version == "0.1" and "env" in ctx.data:
        ctx.report(
            "BS037",
            ("env",),
            "`env` is the version 0.2 name; version 0.1 reads `environment_variables`",
            "change to `version: 0.2` (recommended) or rename the section",
            key=True,
        )


# --- phases --------------------------------------------------------------------------------


@_rule("BS005", E, "`phases` is missing", PHASES_DOC)
def phases_missing(ctx: Context) -> None:
    phases = ctx.data.get("phases")
    if phases is None and "batch" not in ctx.data:
        ctx.report(
            "BS005",
            ("phases",) if "phases" in ctx.data else (),
            "the buildspec has no `phases` (or it is empty), so there is nothing to run",
            "add `phases:` with at least a `build:` phase and its `commands:` list",
            key=True,
        )


@_rule("BS006", E, "unknown phase name", PHASES_DOC)
def unknown_phase(ctx: Context) -> None:
    for name in _mapping(ctx.data.get("phases")):
        if name not in PHASE_NAMES:
            ctx.report(
                "BS006",
                ("phases", name),
                f"{name!r} is not a phase: the only phases are install, pre_build, build and"
                " post_build, and no new ones can be added",
                did_you_mean(str(name).replace("-", "_"), PHASE_NAMES)
                or "put these commands in one of the four phases",
                key=True,
            )


@_rule("BS008", E, "`runtime-versions` outside the install phase", PHASES_DOC)
def runtime_versions_phase(ctx: Context) -> None:
    for name, body in _phases(ctx):
        if name != "install" and "runtime-versions" in body:
            ctx.report(
                "BS008",
                ("phases", name, "runtime-versions"),
                f"`runtime-versions` is only read in the install phase, not in {name}",
                "move it to phases.install.runtime-versions",
                key=True,
            )


@_rule("BS009", E, "a phase without commands", PHASES_DOC)
def phase_without_commands(ctx: Context) -> None:
    for name, body in _phases(ctx):
        commands = body.get("commands")
        if commands not in (None, [], ""):
            continue
        if "commands" in body and name != "install":
            ctx.report(
                "BS009",
                ("phases", name, "commands"),
                f"the {name} phase has an empty `commands:` list",
                "add the commands, or remove the phase",
                key=True,
                severity=W,
            )
            continue
        if name == "install":
            if "runtime-versions" in body or body.get("finally"):
                continue
            ctx.report(
                "BS009",
                ("phases", name),
                "the install phase has neither commands nor runtime-versions",
                "remove the empty phase or add what it should install",
                key=True,
                severity=W,
            )
            continue
        ctx.report(
            "BS009",
            ("phases", name),
            f"the {name} phase has no commands (commands are required when the phase is present)",
            "add a `commands:` list, or remove the phase",
            key=True,
        )


_RETRY = re.compile(r"^retry(?:-(.*))?$", re.I | re.S)


def _on_failure_problem(value: Any) -> str | None:
    if not isinstance(value, str):
        return f"on-failure must be a string, not {type_name(value)}"
    if value in ("ABORT", "CONTINUE"):
        return None
    match = _RETRY.match(value)
    if not match:
        return f"{value!r} is not a valid on-failure value"
    rest = match.group(1)
    if rest is None:
        return None
    if rest == "":
        return "RETRY- must be followed by a count or an error-message pattern"
    count_match = re.match(r"^(\d+)(?:-(.*))?$", rest, re.S)
    pattern = rest
    if count_match:
        count = int(count_match.group(1))
        if count > 100:
            return f"retry count {count} is out of range (0-100)"
        pattern = count_match.group(2)
        if pattern is None:
            return None
        if pattern == "":
            return "the error-message pattern after the count is empty"
    try:
        re.compile(pattern)
    except re.error as exc:
        return f"the error-message pattern {pattern!r} is not a valid regular expression ({exc})"
    return None


@_rule("BS010", E, "invalid `on-failure` value", PHASES_DOC)
def on_failure_value(ctx: Context) -> None:
    for name, body in _phases(ctx):
        if "on-failure" not in body:
            continue
        problem = _on_failure_problem(body["on-failure"])
        if problem:
            ctx.report(
                "BS010",
                ("phases", name, "on-failure"),
                problem,
                join_hint(
                    did_you_mean(body["on-failure"], ("ABORT", "CONTINUE", "RETRY")),
                    "valid values: ABORT, CONTINUE, RETRY, RETRY-<count 0-100>, RETRY-<regex>,"
                    " RETRY-<count>-<regex>",
                ),
            )


def _command_lists(ctx: Context) -> Iterator[tuple[Path, Any]]:
    for name, body in _phases(ctx):
        for key in ("commands", "finally"):
            if key in body:
                yield ("phases", name, key), body[key]


@_rule("BS011", E, "a command that YAML read as a mapping (unquoted ': ')", PHASES_DOC)
def command_is_mapping(ctx: Context) -> None:
    for path, commands in _command_lists(ctx):
        if not isinstance(commands, list):
            continue
        for i, command in enumerate(commands):
            if isinstance(command, dict):
                key = next(iter(command), "")
                ctx.report(
                    "BS011",
                    (*path, i),
                    f"this command contains ': ' so YAML read it as a mapping ({key!r}: ...),"
                    " not as a command string",
                    "put the whole command in quotes, e.g. - \"echo 'a: b'\", or use a block"
                    " scalar (- |)",
                )


@_rule("BS040", W, "an empty command item (`- ` followed only by a comment)", PHASES_DOC)
def empty_command(ctx: Context) -> None:
    for path, commands in _command_lists(ctx):
        if isinstance(commands, list):
            for i, command in enumerate(commands):
                if command is None:
                    ctx.report(
                        "BS040",
                        (*path, i),
                        "this command item is empty (YAML reads `- # comment` as an empty item)",
                        "remove the `- ` in front of comment lines",
                    )


@_rule("BS012", W, "`commands` given as a single string, not a list", PHASES_DOC)
def commands_is_string(ctx: Context) -> None:
    for path, commands in _command_lists(ctx):
        if isinstance(commands, str) and commands:
            ctx.report(
                "BS012",
                path,
                f"`{path[-1]}` should be a list of commands, not a single string",
                "write each command on its own line starting with `- `",
            )


# --- env -----------------------------------------------------------------------------------


@_rule("BS013", W, "variable name starts with CODEBUILD_ (discouraged)", ENV_DOC)
def reserved_codebuild_name(ctx: Context) -> None:
    for path, name, _value in _named_vars(ctx):
        if name.upper().startswith("CODEBUILD_"):
            ctx.report(
                "BS013",
                path,
                f"{name!r}: AWS advises against names starting with CODEBUILD_ (CodeBuild's own"
                " variables use that prefix, and a future one of the same name would win)",
                "rename the variable (e.g. drop the CODEBUILD_ prefix)",
                key=True,
            )


@_rule("BS014", E, "exported variable name starts with AWS_", ENV_DOC)
def exported_aws_name(ctx: Context) -> None:
    exported = _env(ctx).get("exported-variables")
    if isinstance(exported, str):
        exported = [exported]
    if not isinstance(exported, list):
        return
    for i, name in enumerate(exported):
        if isinstance(name, str) and name.upper().startswith("AWS_"):
            ctx.report(
                "BS014",
                ("env", "exported-variables", i),
                f"{name!r} cannot be exported: variables whose names start with AWS_ are not"
                " exported to CodePipeline",
                "copy the value into a variable with another name and export that",
            )


@_rule("BS015", W, "plaintext variable that looks like a secret", ENV_DOC)
def plaintext_secret(ctx: Context) -> None:
    for path, name, value in _plain_vars(ctx):
        if not isinstance(value, str) or not value.strip() or value.startswith("$"):
            continue
        looks_secret = bool(_AWS_KEY.search(value)) or (
            bool(_SECRETISH.search(name))
            and not _NOT_SECRET_SUFFIX.search(name)
            and not value.startswith(("/", "arn:", "{{", "<"))
            and " " not in value.strip()
        )
        if looks_secret:
            ctx.report(
                "BS015",
                path,
                f"{name!r} looks like a secret stored in plain text: anyone who can read the"
                " buildspec or the build logs can read it",
                "store it in Parameter Store (env.parameter-store) or Secrets Manager"
                " (env.secrets-manager) and reference it by name",
            )


@_rule("BS016", E, "malformed secrets-manager reference", ENV_DOC)
def secrets_manager_reference(ctx: Context) -> None:
    for name, ref in _mapping(_env(ctx).get("secrets-manager")).items():
        if not isinstance(ref, str) or ref.startswith("$"):
            continue
        parts = ref.split(":")
        if ref.startswith("arn:"):
            secret_id, rest = ":".join(parts[:7]), parts[7:]
        else:
            secret_id, rest = parts[0], parts[1:]
        problem = None
        if not secret_id.strip():
            problem = "the secret id (before the first ':') is empty"
        elif len(rest) > 3:
            problem = f"{len(rest) + 1} parts separated by ':' (at most 4)"
        elif len(rest) == 3 and rest[1] and rest[2]:
            problem = "version-stage and version-id are both given (they are mutually exclusive)"
        if problem:
            ctx.report(
                "BS016",
                ("env", "secrets-manager", name),
                f"secrets-manager reference {ref!r}: {problem}",
                "format: secret-id:json-key:version-stage:version-id (all but secret-id"
                " optional), e.g. prod/api-key:API_KEY",
            )


@_rule("BS017", E, "unsupported `env.shell`", ENV_DOC)
def shell_value(ctx: Context) -> None:
    shell = _env(ctx).get("shell")
    if shell is not None and shell not in SHELLS:
        ctx.report(
            "BS017",
            ("env", "shell"),
            f"shell {shell!r} is not supported",
            join_hint(
                did_you_mean(shell, SHELLS),
                "Linux: bash or /bin/sh; Windows: powershell.exe or cmd.exe",
            ),
        )


@_rule("BS018", E, "a yes/no setting with another value")
def yes_no_value(ctx: Context) -> None:
    for issue in _issues(ctx):
        if issue.kind == "type" and issue.expected == YESNO:
            ctx.report(
                "BS018",
                issue.path,
                f"`{issue.path[-1]}` takes yes or no, not {issue.value!r}",
                did_you_mean(issue.value, ("yes", "no")) or "write yes or no",
            )


@_rule("BS022", W, "a variable value refers to another variable (not expanded)", ENV_DOC)
def variable_not_expanded(ctx: Context) -> None:
    for path, name, value in _plain_vars(ctx):
        if isinstance(value, str):
            match = _VAR_REF.search(value)
            if match and value.strip() != f"${match.group(1)}":
                ctx.report(
                    "BS022",
                    path,
                    f"{name!r} is set to the literal text {value!r}: `${match.group(1)}` is not"
                    " expanded, and the value replaces any existing variable of that name",
                    f'set it in a command instead, e.g. - export {name}="{value}"',
                )


@_rule("BS039", W, "YAML 1.1 reads a plain value as a boolean or a different number")
def yaml11_surprise(ctx: Context) -> None:
    checked: list[Path] = [path for path, _n, _v in _plain_vars(ctx)]
    for name, body in _phases(ctx):
        for runtime in _mapping(body.get("runtime-versions")):
            checked.append(("phases", name, "runtime-versions", runtime))
    for path in checked:
        raw = ctx.loaded.raw.get(path)
        if raw is None:
            continue
        value = _lookup(ctx.data, path)
        if str(value).lower() == raw.lower() or (
            isinstance(value, bool) and raw in ("true", "false")
        ):
            continue
        shown = str(value).lower() if isinstance(value, bool) else str(value)
        ctx.report(
            "BS039",
            path,
            f"YAML 1.1 reads the unquoted {raw!r} as {type_name(value)}; CodeBuild may see"
            f" {shown!r}",
            f'quote it: "{raw}"',
        )


def _lookup(data: Any, path: Path) -> Any:
    for part in path:
        data = data[part]
    return data


# --- runtime-versions ----------------------------------------------------------------------


@_rule("BS019", E, "`runtime-versions` is empty", IMAGES_DOC)
def runtime_versions_empty(ctx: Context) -> None:
    install = dict(_phases(ctx)).get("install", {})
    if "runtime-versions" in install and not install["runtime-versions"]:
        ctx.report(
            "BS019",
            ("phases", "install", "runtime-versions"),
            "`runtime-versions` is present but lists no runtime",
            "add a runtime (e.g. nodejs: 20) or remove the key",
            key=True,
        )


def _runtimes(ctx: Context) -> Iterator[tuple[Path, str, str]]:
    install = dict(_phases(ctx)).get("install", {})
    for runtime, version in _mapping(install.get("runtime-versions")).items():
        path = ("phases", "install", "runtime-versions", runtime)
        raw = ctx.loaded.raw.get(path)
        yield path, str(runtime), raw if raw is not None else str(version)


@_rule("BS021", E, "unknown runtime name", IMAGES_DOC)
def unknown_runtime(ctx: Context) -> None:
    for path, runtime, _version_text in _runtimes(ctx):
        if runtime not in KNOWN_RUNTIMES:
            ctx.report(
                "BS021",
                path,
                f"{runtime!r} is not a CodeBuild runtime",
                join_hint(
                    did_you_mean(runtime, sorted(KNOWN_RUNTIMES)),
                    f"runtimes: {', '.join(sorted(KNOWN_RUNTIMES))}",
                ),
                key=True,
            )


@_rule("BS020", W, "runtime version not offered by the build image", IMAGES_DOC)
def runtime_on_image(ctx: Context) -> None:
    image = normalise_image(ctx.options.get("image") or DEFAULT_IMAGE)
    where = image if ctx.options.get("image") else f"{image} (assumed; pass --image)"
    install = dict(_phases(ctx)).get("install", {})
    if image in NO_RUNTIME_VERSIONS and install.get("runtime-versions"):
        ctx.report(
            "BS020",
            ("phases", "install", "runtime-versions"),
            f"{image} does not support runtime-versions: CodeBuild skips the section",
            "use aws/codebuild/standard:7.0 or newer",
            key=True,
        )
        return
    table = IMAGES.get(image)
    if table is None:
        return  # a custom image: nothing known about its runtimes
    for path, runtime, version in _runtimes(ctx):
        if runtime not in KNOWN_RUNTIMES:
            continue
        offered = table.get(runtime, ())
        if not offered:
            ctx.report(
                "BS020",
                path,
                f"runtime {runtime!r} is not offered on {where}",
                "choose an image that has it, or install it yourself in install.commands",
                key=True,
            )
        elif not version_available(version, offered):
            ctx.report(
                "BS020",
                path,
                f"{runtime} {version} is not among the versions on {where}:"
                f" {', '.join(offered)}; CodeBuild will try to install it at build time (slow)"
                " or fail",
                f"use one of {', '.join(offered)}, or pick an image that offers {version}",
            )


# --- artifacts, reports, cache -------------------------------------------------------------


@_rule("BS023", E, "artifacts without `files`", ARTIFACTS_DOC)
def artifacts_files(ctx: Context) -> None:
    for path, spec in _artifact_sets(ctx):
        # Only secondary artifacts (the form AWS's own libraries generate): the top level then
        # holds no primary artifact and needs no `files`.
        only_secondary = path == ("artifacts",) and bool(spec.get("secondary-artifacts"))
        if not spec.get("files") and not only_secondary:
            ctx.report(
                "BS023",
                path,
                "`files` is required in every artifact (the primary one, unless only"
                " secondary-artifacts are declared, and each secondary one)",
                "add `files:` with the paths to upload, e.g. - '**/*'",
                key=True,
            )


@_rule("BS024", E, "more than 5 report groups", ARTIFACTS_DOC)
def too_many_reports(ctx: Context) -> None:
    reports = _mapping(ctx.data.get("reports"))
    if len(reports) > 5:
        sixth = list(reports)[5]
        ctx.report(
            "BS024",
            ("reports", sixth),
            f"{len(reports)} report groups: a project can have at most 5",
            "merge report groups",
            key=True,
        )


@_rule("BS025", E, "report group without `files`", ARTIFACTS_DOC)
def report_files(ctx: Context) -> None:
    for group, spec in _mapping(ctx.data.get("reports")).items():
        if isinstance(spec, dict) and not spec.get("files"):
            ctx.report(
                "BS025",
                ("reports", group),
                f"report group {group!r} has no `files`",
                "add `files:` with the report files, e.g. - 'reports/*.xml'",
                key=True,
            )


@_rule("BS026", E, "unknown report `file-format`", ARTIFACTS_DOC)
def report_format(ctx: Context) -> None:
    for group, spec in _mapping(ctx.data.get("reports")).items():
        fmt = _mapping(spec).get("file-format")
        if fmt is not None and str(fmt).upper() not in REPORT_FORMATS:
            ctx.report(
                "BS026",
                ("reports", group, "file-format"),
                f"{fmt!r} is not a report file format",
                join_hint(
                    did_you_mean(str(fmt).upper(), REPORT_FORMATS),
                    "tests: CUCUMBERJSON, JUNITXML, NUNITXML, NUNIT3XML, TESTNGXML,"
                    " VISUALSTUDIOTRX; coverage: CLOVERXML, COBERTURAXML, JACOCOXML, SIMPLECOV",
                ),
            )


@_rule("BS027", E, "cache without `paths`", ARTIFACTS_DOC)
def cache_paths(ctx: Context) -> None:
    cache = ctx.data.get("cache")
    if isinstance(cache, dict) and not cache.get("paths"):
        empty = "paths" in cache  # `paths:` written but left empty: nothing is cached
        ctx.report(
            "BS027",
            ("cache",),
            "`cache` needs `paths`: the files to keep between builds",
            "add `paths:`, e.g. - 'node_modules/**/*'",
            key=True,
            severity=W if empty else None,
        )


@_rule("BS028", E, "invalid cache `action`", ARTIFACTS_DOC)
def cache_action(ctx: Context) -> None:
    action = _mapping(ctx.data.get("cache")).get("action")
    if action is not None and action not in ("restore", "save"):
        ctx.report(
            "BS028",
            ("cache", "action"),
            f"cache action {action!r} is not valid",
            join_hint(
                did_you_mean(action, ("restore", "save")),
                "use restore or save, or leave it out to do both",
            ),
        )


@_rule("BS029", E, "more than 5 cache `fallback-keys`", ARTIFACTS_DOC)
def fallback_keys_count(ctx: Context) -> None:
    keys = _mapping(ctx.data.get("cache")).get("fallback-keys")
    if isinstance(keys, list) and len(keys) > 5:
        ctx.report(
            "BS029",
            ("cache", "fallback-keys", 5),
            f"{len(keys)} fallback keys: at most 5 are allowed",
            "keep the 5 most useful prefixes",
        )


@_rule("BS030", W, "cache `fallback-keys` without `key` (ignored)", ARTIFACTS_DOC)
def fallback_keys_without_key(ctx: Context) -> None:
    cache = _mapping(ctx.data.get("cache"))
    if cache.get("fallback-keys") and "key" not in cache:
        ctx.report(
            "BS030",
            ("cache", "fallback-keys"),
            "fallback-keys are ignored when the cache has no `key`",
            "add a primary `key`, e.g. npm-$(codebuild-hash-files package-lock.json)",
            key=True,
        )


def _glob_regex(pattern: str) -> re.Pattern[str]:
    out = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out + "$")


def _tree(root: str) -> list[str]:
    files: list[str] = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d != ".git"]
        rel = os.path.relpath(folder, root)
        files.extend(n if rel == "." else f"{rel}/{n}".replace(os.sep, "/") for n in names)
        if len(files) > 20_000:
            break
    return files


@_rule("BS036", E, "`discard-paths: yes` makes two artifact files collide", ARTIFACTS_DOC)
def discard_paths_collision(ctx: Context) -> None:
    root = ctx.options.get("revision")
    if not root or not os.path.isdir(root):
        return
    tree = _tree(root)
    for path, spec in _artifact_sets(ctx):
        if not _is_yes(spec.get("discard-paths")):
            continue
        files = spec.get("files")
        patterns = [files] if isinstance(files, str) else files
        if not isinstance(patterns, list):
            continue
        base = str(spec.get("base-directory") or "").strip("/")
        prefix = f"{base}/" if base and base != "." else ""
        regexes = [_glob_regex(p.lstrip("./")) for p in patterns if isinstance(p, str)]
        seen: dict[str, str] = {}
        for name in tree:
            if prefix and not name.startswith(prefix):
                continue
            rel = name[len(prefix) :]
            if any(r.match(rel) for r in regexes):
                flat = rel.rsplit("/", 1)[-1]
                if flat in seen:
                    ctx.report(
                        "BS036",
                        (*path, "discard-paths"),
                        f"with discard-paths, {seen[flat]!r} and {rel!r} both become {flat!r}"
                        " in the artifact: one overwrites the other",
                        "remove discard-paths, or narrow `files` so names are unique",
                    )
                    break
                seen[flat] = rel


# --- batch ---------------------------------------------------------------------------------

_BATCH_KINDS = ("build-graph", "build-list", "build-matrix", "build-fanout")


@_rule(
    "BS031",
    E,
    "batch needs exactly one of build-graph, build-list, build-matrix, build-fanout",
    BATCH_DOC,
)
def batch_kind(ctx: Context) -> None:
    batch = ctx.data.get("batch")
    if not isinstance(batch, dict):
        return
    present = [k for k in _BATCH_KINDS if k in batch]
    if len(present) != 1:
        ctx.report(
            "BS031",
            ("batch",),
            "batch has "
            + (
                f"{len(present)} build types ({', '.join(present)})" if present else "no build type"
            ),
            "use exactly one of build-graph, build-list, build-matrix or build-fanout",
            key=True,
        )


@_rule("BS032", E, "batch task without a unique `identifier`", BATCH_DOC)
def batch_identifier(ctx: Context) -> None:
    seen: set[str] = set()
    for _kind, path, task in _batch_tasks(ctx):
        ident = task.get("identifier")
        if not isinstance(ident, str) or not ident:
            ctx.report(
                "BS032", path, "this batch task has no `identifier`", "add `identifier: <name>`"
            )
        elif ident in seen:
            ctx.report(
                "BS032",
                (*path, "identifier"),
                f"identifier {ident!r} is used by two tasks",
                "give every task its own identifier",
            )
        else:
            seen.add(ident)


@_rule("BS033", E, "`depend-on` names an unknown task or forms a cycle", BATCH_DOC)
def batch_depend_on(ctx: Context) -> None:
    graph: dict[str, list[str]] = {}
    for kind, _path, task in _batch_tasks(ctx):
        if kind != "build-graph":
            continue
        deps = task.get("depend-on") or []
        graph[str(task.get("identifier"))] = (
            [str(d) for d in deps] if isinstance(deps, list) else []
        )
    for kind, path, task in _batch_tasks(ctx):
        deps = task.get("depend-on")
        if kind != "build-graph" or not isinstance(deps, list):
            continue
        for i, dep in enumerate(deps):
            if str(dep) not in graph:
                ctx.report(
                    "BS033",
                    (*path, "depend-on", i),
                    f"depend-on {dep!r}: no task has that identifier",
                    did_you_mean(str(dep), graph) or "use the identifier of another task",
                )
    state: dict[str, int] = {}

    def cyclic(node: str) -> bool:
        state[node] = 1
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1 or (state.get(nxt) is None and nxt in graph and cyclic(nxt)):
                return True
        state[node] = 2
        return False

    for kind, path, task in _batch_tasks(ctx):
        ident = str(task.get("identifier"))
        if kind == "build-graph" and state.get(ident) is None and cyclic(ident):
            ctx.report(
                "BS033",
                (*path, "depend-on"),
                f"task {ident!r} depends on itself through depend-on (a cycle)",
                "remove one dependency so the graph has no cycle",
                key=True,
            )
            return


@_rule("BS034", E, "batch task sets both `compute-type` and `fleet`", BATCH_DOC)
def batch_compute_and_fleet(ctx: Context) -> None:
    for _kind, path, task in _batch_tasks(ctx):
        env = _mapping(task.get("env"))
        if "compute-type" in env and "fleet" in env:
            ctx.report(
                "BS034",
                (*path, "env", "fleet"),
                "`compute-type` and `fleet` cannot both be set for one task",
                "keep one of them",
                key=True,
            )


@_rule("BS035", E, "build-fanout without a positive `parallelism`", BATCH_DOC)
def fanout_parallelism(ctx: Context) -> None:
    fanout = _mapping(ctx.data.get("batch")).get("build-fanout")
    if not isinstance(fanout, dict):
        return
    value = fanout.get("parallelism")
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        ctx.report(
            "BS035",
            ("batch", "build-fanout", "parallelism")
            if "parallelism" in fanout
            else ("batch", "build-fanout"),
            "build-fanout needs `parallelism`: a whole number of builds, at least 1",
            "e.g. parallelism: 5",
            key="parallelism" not in fanout,
        )
