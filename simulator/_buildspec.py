"""Buildspec rules (BS0xx): versions 0.2 and 0.1, shape and semantics (fact sheet sections 1-2)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

from simulator._buildspec_model import (
    BATCH_KINDS,
    PHASE_NAMES,
    SHELLS,
    Buildspec,
    read_buildspec,
)
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
from simulator._shapes import Issue, type_name

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO
STRUCT = "codebuild-buildspec/buildspec-structure"
PHASES_DOC = "codebuild-buildspec/build-phases-and-failures"
ENV_DOC = "codebuild-buildspec/build-environment-variables"
ARTIFACTS_DOC = "codebuild-buildspec/artifacts-reports-cache"
BATCH_DOC = "codebuild-operations/batch-builds"
IMAGES_DOC = "codebuild-operations/build-images-and-local-builds"

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


def _model(ctx: Context) -> Buildspec:
    """The typed buildspec the runner reads, built once per check."""
    if "model" not in ctx.cache:
        ctx.cache["model"] = read_buildspec(ctx.loaded)
    model: Buildspec = ctx.cache["model"]
    return model


def _report_problems(ctx: Context, code: str) -> None:
    """Report the model's problems of one code: the runner refuses to run them too."""
    for problem in _model(ctx).problems_of(code):
        ctx.report(code, problem.path, problem.message, problem.hint, key=problem.key)


def _issues(ctx: Context) -> tuple[Issue, ...]:
    return _model(ctx).issues


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


def _batch_tasks(ctx: Context) -> Iterator[tuple[str, Path, dict[Any, Any]]]:
    batch = _mapping(ctx.data.get("batch"))
    for kind in ("build-graph", "build-list"):
        tasks = batch.get(kind)
        if isinstance(tasks, list):
            for i, task in enumerate(tasks):
                if isinstance(task, dict):
                    yield kind, ("batch", kind, i), task


# --- version -------------------------------------------------------------------------------


@_rule("BS001", E, "`version` is missing")
def version_missing(ctx: Context) -> None:
    _report_problems(ctx, "BS001")


@_rule("BS002", E, "`version` is not 0.2 or 0.1")
def version_invalid(ctx: Context) -> None:
    _report_problems(ctx, "BS002")


@_rule("BS003", INFO, "version 0.1 runs every command in a separate shell", PHASES_DOC)
def version_01(ctx: Context) -> None:
    if _model(ctx).version == "0.1":
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
    _report_problems(ctx, "BS007")


@_rule("BS037", E, "a key from the other buildspec version")
def other_version_key(ctx: Context) -> None:
    version = _model(ctx).version
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
    _report_problems(ctx, "BS005")


@_rule("BS006", E, "unknown phase name", PHASES_DOC)
def unknown_phase(ctx: Context) -> None:
    _report_problems(ctx, "BS006")


@_rule("BS008", E, "`runtime-versions` outside the install phase", PHASES_DOC)
def runtime_versions_phase(ctx: Context) -> None:
    _report_problems(ctx, "BS008")


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
    _report_problems(ctx, "BS009")  # a phase other than install without `commands`


@_rule("BS010", E, "invalid `on-failure` value", PHASES_DOC)
def on_failure_value(ctx: Context) -> None:
    _report_problems(ctx, "BS010")


def _command_lists(ctx: Context) -> Iterator[tuple[Path, Any]]:
    for name, body in _phases(ctx):
        for key in ("commands", "finally"):
            if key in body:
                yield ("phases", name, key), body[key]


@_rule("BS011", E, "a command that YAML read as a mapping (unquoted ': ')", PHASES_DOC)
def command_is_mapping(ctx: Context) -> None:
    _report_problems(ctx, "BS011")


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
    _report_problems(ctx, "BS014")


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
    _report_problems(ctx, "BS016")


@_rule("BS017", E, "unsupported `env.shell`", ENV_DOC)
def shell_value(ctx: Context) -> None:
    model = _model(ctx)
    shell = model.shell
    if model.shell_given and shell not in SHELLS:
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
    _report_problems(ctx, "BS018")


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
    _report_problems(ctx, "BS019")


def _runtimes(ctx: Context) -> Iterator[tuple[Path, str, str]]:
    install = _model(ctx).phases.get("install")
    for runtime, version in install.runtime_versions if install else ():
        yield ("phases", "install", "runtime-versions", runtime), runtime, version


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
    _report_problems(ctx, "BS023")


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
    _report_problems(ctx, "BS025")


@_rule("BS026", E, "unknown report `file-format`", ARTIFACTS_DOC)
def report_format(ctx: Context) -> None:
    _report_problems(ctx, "BS026")


@_rule("BS027", E, "cache without `paths`", ARTIFACTS_DOC)
def cache_paths(ctx: Context) -> None:
    cache = ctx.data.get("cache")
    if isinstance(cache, dict) and not cache.get("paths") and "paths" in cache:
        ctx.report(  # `paths:` written but left empty: nothing is cached, the build runs
            "BS027",
            ("cache",),
            "`cache` needs `paths`: the files to keep between builds",
            "add `paths:`, e.g. - 'node_modules/**/*'",
            key=True,
            severity=W,
        )
    _report_problems(ctx, "BS027")


@_rule("BS028", E, "invalid cache `action`", ARTIFACTS_DOC)
def cache_action(ctx: Context) -> None:
    _report_problems(ctx, "BS028")


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
    for artifact in _model(ctx).artifacts:
        if not artifact.discard_paths:
            continue
        path = artifact.path
        base = artifact.base_directory.strip("/")
        prefix = f"{base}/" if base and base != "." else ""
        regexes = [_glob_regex(p.lstrip("./")) for p in artifact.files]
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
    present = [k for k in BATCH_KINDS if k in batch]
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
