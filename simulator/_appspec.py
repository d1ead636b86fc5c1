"""AppSpec rules (AS0xx): EC2/on-premises, Lambda and ECS forms (fact sheet sections 3-4)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from typing import Any

from simulator._appspec_model import (
    AWSVPC_KEYS,
    EC2_KEYS,
    ECS_LOAD_BALANCER_KEYS,
    FILE_EXISTS_BEHAVIORS,
    FILE_KEYS,
    HOOKS,
    LAMBDA_PROPERTIES,
    MAX_EVENT_SECONDS,
    OS_VALUES,
    PERMISSION_TYPES,
    PUBLIC_IP_VALUES,
    RESERVED,
    RESOURCE_KEYS,
    RESOURCE_TYPES,
    AppSpec,
    read_appspec,
)
from simulator._appspec_model import ci as _ci
from simulator._findings import Path, Severity
from simulator._rules import Context, RuleDecorator, did_you_mean, join_hint, rule
from simulator._shapes import type_name

E, W = Severity.ERROR, Severity.WARNING
EC2_DOC = "codedeploy-fundamentals/appspec-ec2"
LAMBDA_ECS_DOC = "codedeploy-fundamentals/appspec-lambda-ecs"
LIFECYCLE_DOC = "codedeploy-lifecycle/lifecycle-in-place"

_PLACEHOLDER = re.compile(r"^\s*<[^<>]+>\s*$")
_TASKDEF_ARN = re.compile(r"^arn:aws[\w-]*:ecs:[a-z0-9-]+:\d{12}:task-definition/[\w-]+(:\d+)?$")
_DOC_PLACEHOLDER = re.compile(r"\[[^\]]+\]|region-id|account-id|revision-number|your", re.I)
_MODE = re.compile(r"^[0-7]{1,4}$")
_ACL = re.compile(r"^(d:)?(u|user|g|group|m|mask|o|other):([^:]*):([rwx-]{1,3}|[0-7])$")


def _rule(code: str, severity: Severity, summary: str, doc: str = EC2_DOC) -> RuleDecorator:
    return rule(code, severity, summary, doc=doc, kind="appspec")


def _is_placeholder(value: Any) -> bool:
    return isinstance(value, str) and bool(_PLACEHOLDER.match(value))


def _model(ctx: Context) -> AppSpec:
    """The typed AppSpec the engine reads, built once per check (--platform wins over content)."""
    if "model" not in ctx.cache:
        ctx.cache["model"] = read_appspec(ctx.loaded, ctx.options.get("platform"))
    model: AppSpec = ctx.cache["model"]
    return model


def platform(ctx: Context) -> str | None:
    """'ec2', 'lambda' or 'ecs': from --platform, else from the content."""
    return _model(ctx).platform


def _hook_items(ctx: Context) -> Iterator[tuple[Path, str, Any]]:
    """(path of the hook key, hook name, value) for every hook of any platform."""
    for hook in _model(ctx).hooks:
        yield hook.path, hook.event, hook.value


def _resources(ctx: Context) -> Iterator[tuple[Path, str, Mapping[Any, Any]]]:
    """(path, logical name, body) for each Lambda/ECS resource."""
    for resource in _model(ctx).resources:
        yield resource.path, resource.name, resource.body


def _props(ctx: Context) -> Iterator[tuple[Path, Mapping[Any, Any]]]:
    """(path, properties) of each Lambda/ECS resource (empty when it has none)."""
    for resource in _model(ctx).resources:
        yield resource.properties_path, resource.properties


def _ec2_scripts(ctx: Context) -> Iterator[tuple[Path, str, Mapping[Any, Any]]]:
    model = _model(ctx)
    if model.platform != "ec2":
        return
    for hook in model.hooks:
        for script in hook.scripts:
            yield script.path, script.event, script.body


def _permissions(ctx: Context) -> Iterator[tuple[Path, Mapping[Any, Any]]]:
    for perm in _model(ctx).permissions:
        if perm.is_mapping:
            yield perm.path, perm.body


# --- common --------------------------------------------------------------------------------


@_rule("AS001", E, "`version` missing or not 0.0")
def version_value(ctx: Context) -> None:
    found = _ci(ctx.data, "version")
    if found is None:
        ctx.report("AS001", (), "the AppSpec has no `version`", "add `version: 0.0` at the top")
        return
    key, value = found
    raw = ctx.loaded.raw.get((key,))
    if value == 0 and not isinstance(value, bool) and (raw is None or raw.startswith("0")):
        return
    if value == "0.0":
        return
    ctx.report(
        "AS001",
        (key,),
        f"version {raw or value!r} is not valid: the only AppSpec version is 0.0",
        "write `version: 0.0`",
    )


@_rule("AS002", E, "quoted version on EC2/on-premises (the agent rejects the string)")
def version_quoted(ctx: Context) -> None:
    if platform(ctx) == "ec2" and ctx.data.get("version") == "0.0" and not ctx.loaded.is_json:
        ctx.report(
            "AS002",
            ("version",),
            'version is the string "0.0"; the CodeDeploy agent compares it with the number 0.0'
            " and fails the deployment with an unsupported-version error",
            "write it unquoted: version: 0.0",
        )


@_rule("AS003", E, "cannot tell the compute platform", LAMBDA_ECS_DOC)
def platform_unknown(ctx: Context) -> None:
    if platform(ctx) is None:
        ctx.report(
            "AS003",
            (),
            "cannot tell whether this AppSpec is for EC2/on-premises, Lambda or ECS",
            "EC2 needs `os:`; Lambda and ECS need `Resources:` with a typed resource;"
            " or pass --platform ec2|lambda|ecs",
        )


@_rule("AS005", W, "unknown top-level key")
def unknown_key(ctx: Context) -> None:
    plat = platform(ctx)
    if plat is None:
        return
    known = EC2_KEYS if plat == "ec2" else RESOURCE_KEYS
    lowered = {k.lower() for k in known}
    for key in ctx.data:
        ok = key in known if plat == "ec2" else str(key).lower() in lowered
        if not ok and not did_you_mean(key, known):
            ctx.report(
                "AS005",
                (key,),
                f"unknown key {key!r} for a {plat} AppSpec: CodeDeploy does not read it",
                join_hint(did_you_mean(key, known), f"known keys: {', '.join(known)}"),
                key=True,
            )


@_rule("AS035", E, "a misspelt top-level key (CodeDeploy ignores it)")
def misspelt_key(ctx: Context) -> None:
    plat = platform(ctx)
    if plat is None:
        return
    known = EC2_KEYS if plat == "ec2" else RESOURCE_KEYS
    lowered = {k.lower() for k in known}
    for key in ctx.data:
        ok = key in known if plat == "ec2" else str(key).lower() in lowered
        suggestion = did_you_mean(key, known)
        if not ok and suggestion:
            ctx.report(
                "AS035",
                (key,),
                f"unknown key {key!r}: CodeDeploy ignores it, so this section has no effect",
                suggestion,
                key=True,
            )


@_rule("AS007", E, "a section has the wrong type")
def wrong_type(ctx: Context) -> None:
    plat = platform(ctx)
    expect: dict[str, type] = {}
    if plat == "ec2":
        expect = {"files": list, "permissions": list, "hooks": dict}
    elif plat in ("lambda", "ecs"):
        expect = {"Resources": list, "Hooks": list}
    for name, kind in expect.items():
        found = (
            _ci(ctx.data, name)
            if plat != "ec2"
            else ((name, ctx.data[name]) if name in ctx.data else None)
        )
        if found and found[1] is not None and not isinstance(found[1], kind):
            shape = "a list (items start with `- `)" if kind is list else "a mapping"
            ctx.report(
                "AS007",
                (found[0],),
                f"`{found[0]}` must be {shape}, found {type_name(found[1])}",
                "for Lambda/ECS, hooks are a list: - BeforeAllowTraffic: MyFunction"
                if plat != "ec2" and name == "Hooks"
                else "check the indentation",
            )
    if plat == "ec2":
        for path, name, value in _hook_items(ctx):
            if value is not None and not isinstance(value, list):
                ctx.report(
                    "AS007",
                    path,
                    f"hook {name} must be a list of scripts, found {type_name(value)}",
                    "write:  - location: scripts/x.sh",
                )


@_rule("AS017", E, "hook not valid for the compute platform", LIFECYCLE_DOC)
def hook_name(ctx: Context) -> None:
    plat = platform(ctx)
    if plat is None:
        return
    valid = HOOKS[plat]
    for path, name, _value in _hook_items(ctx):
        if name in valid:
            continue
        if name in RESERVED[plat]:
            message = f"{name} is reserved for CodeDeploy on {plat}: it cannot run a hook"
        elif any(name in HOOKS[p] for p in HOOKS):
            others = [p for p in HOOKS if name in HOOKS[p]]
            message = f"{name} is a hook for {'/'.join(others)}, not for {plat}"
        else:
            message = f"{name!r} is not a lifecycle event hook; CodeDeploy never runs it"
        ctx.report(
            "AS017",
            path,
            message,
            join_hint(did_you_mean(name, valid), f"hooks for {plat}: {', '.join(valid)}"),
            key=True,
        )


@_rule("AS033", E, "the same hook listed twice (Lambda/ECS)", LAMBDA_ECS_DOC)
def duplicate_hook(ctx: Context) -> None:
    if platform(ctx) not in ("lambda", "ecs"):
        return
    seen: set[str] = set()
    for path, name, _value in _hook_items(ctx):
        if name in seen:
            ctx.report(
                "AS033",
                path,
                f"hook {name} is listed twice; each hook runs one function once per deployment",
                "keep one entry (one function can run several checks)",
                key=True,
            )
        seen.add(name)


@_rule("AS030", W, "placeholder value (pre-substitution template)", LAMBDA_ECS_DOC)
def placeholder(ctx: Context) -> None:
    def visit(value: Any, path: Path) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                visit(v, (*path, k))
        elif isinstance(value, list):
            for i, v in enumerate(value):
                visit(v, (*path, i))
        elif _is_placeholder(value):
            ctx.report(
                "AS030",
                path,
                f"{value.strip()} is a placeholder: this file is a template that must be filled in"
                " before CodeDeploy reads it",
                "CodeDeployToECS fills <TASK_DEFINITION>; other placeholders must be substituted"
                " by your build",
            )

    visit(ctx.data, ())


# --- EC2/on-premises -----------------------------------------------------------------------


@_rule("AS004", E, "`os` missing or not linux/windows")
def os_value(ctx: Context) -> None:
    if platform(ctx) != "ec2":
        return
    value = ctx.data.get("os")
    if value in OS_VALUES:
        return
    ctx.report(
        "AS004",
        ("os",) if "os" in ctx.data else (),
        "the AppSpec has no `os`" if "os" not in ctx.data else f"os {value!r} is not valid",
        join_hint(did_you_mean(value, OS_VALUES), "write os: linux or os: windows"),
    )


@_rule("AS006", E, "`files` entry without source or destination")
def files_entry(ctx: Context) -> None:
    files = ctx.data.get("files") if platform(ctx) == "ec2" else None
    if not isinstance(files, list):
        return
    for i, entry in enumerate(files):
        if not isinstance(entry, dict):
            ctx.report(
                "AS006",
                ("files", i),
                "each files entry needs source and destination",
                "write: - source: /\n    destination: /var/www/app",
            )
            continue
        for key in FILE_KEYS:
            if not entry.get(key):
                ctx.report(
                    "AS006",
                    ("files", i),
                    f"this files entry has no `{key}`",
                    f"add `{key}:` (source is relative to the revision, destination absolute)",
                )


@_rule("AS008", E, "`files` destination is not an absolute path")
def files_destination(ctx: Context) -> None:
    files = ctx.data.get("files") if platform(ctx) == "ec2" else None
    if not isinstance(files, list):
        return
    windows = ctx.data.get("os") == "windows"
    for i, entry in enumerate(files):
        dest = entry.get("destination") if isinstance(entry, dict) else None
        if not isinstance(dest, str) or not dest or _is_placeholder(dest):
            continue
        absolute = re.match(r"^[A-Za-z]:[\\/]|^\\\\", dest) if windows else dest.startswith("/")
        if not absolute:
            ctx.report(
                "AS008",
                ("files", i, "destination"),
                f"destination {dest!r} is not an absolute path",
                "use a full path such as " + ("C:\\inetpub\\app" if windows else "/var/www/app"),
            )


@_rule("AS009", E, "invalid `file_exists_behavior`")
def file_exists_behavior(ctx: Context) -> None:
    if platform(ctx) != "ec2" or "file_exists_behavior" not in ctx.data:
        return
    value = ctx.data["file_exists_behavior"]
    if value not in FILE_EXISTS_BEHAVIORS:
        ctx.report(
            "AS009",
            ("file_exists_behavior",),
            f"file_exists_behavior {value!r} is not valid",
            join_hint(
                did_you_mean(value, FILE_EXISTS_BEHAVIORS),
                "use DISALLOW (default), OVERWRITE or RETAIN",
            ),
        )


@_rule("AS010", E, "`permissions` on Windows")
def permissions_windows(ctx: Context) -> None:
    if platform(ctx) == "ec2" and ctx.data.get("os") == "windows" and ctx.data.get("permissions"):
        ctx.report(
            "AS010",
            ("permissions",),
            "permissions apply to Linux instances only; the Windows agent rejects them",
            "remove the permissions section, or set permissions in a hook script",
            key=True,
        )


@_rule("AS011", E, "permission without `object`")
def permission_object(ctx: Context) -> None:
    for path, perm in _permissions(ctx):
        if not perm.get("object"):
            ctx.report(
                "AS011",
                path,
                "this permissions entry has no `object` (the file or directory it applies to)",
                "add `object: /var/www/app`",
            )


@_rule("AS012", E, "invalid `mode`")
def permission_mode(ctx: Context) -> None:
    for path, perm in _permissions(ctx):
        if "mode" not in perm:
            continue
        raw = ctx.loaded.raw.get((*path, "mode"))
        text = raw if raw is not None else str(perm["mode"])
        if not _MODE.match(text):
            ctx.report(
                "AS012",
                (*path, "mode"),
                f"mode {text!r} is not a numeric chmod mode (1-4 octal digits, each 0-7)",
                'write an octal number such as "0644" or 755; symbolic modes like u+x are'
                " not supported",
            )


@_rule("AS013", E, "unquoted mode with a leading zero (YAML reads it as octal)")
def permission_mode_octal(ctx: Context) -> None:
    for path, perm in _permissions(ctx):
        raw = ctx.loaded.raw.get((*path, "mode"))
        if raw is not None and len(raw) > 1 and raw.startswith("0") and _MODE.match(raw):
            ctx.report(
                "AS013",
                (*path, "mode"),
                f"unquoted {raw} is read by YAML 1.1 as the octal number {perm['mode']}, so the"
                f" agent would apply mode {perm['mode']}, not {raw}",
                f'quote it: mode: "{raw}" (or drop the leading zero: {raw.lstrip("0") or "0"})',
            )


@_rule("AS014", E, "permission `type` other than file/directory")
def permission_type(ctx: Context) -> None:
    for path, perm in _permissions(ctx):
        kinds = perm.get("type")
        if kinds is None:
            continue
        items = kinds if isinstance(kinds, list) else [kinds]
        for i, kind in enumerate(items):
            if kind not in PERMISSION_TYPES:
                ctx.report(
                    "AS014",
                    (*path, "type", i) if isinstance(kinds, list) else (*path, "type"),
                    f"type {kind!r} is not valid",
                    join_hint(did_you_mean(kind, PERMISSION_TYPES), "use file and/or directory"),
                )


@_rule("AS036", E, "permission `type` given as a single string, not a list")
def permission_type_list(ctx: Context) -> None:
    # The agent iterates `type` as a sequence; a plain string is rejected when the AppSpec is
    # parsed, so `type: file` fails where `type: [file]` works.
    for path, perm in _permissions(ctx):
        kinds = perm.get("type")
        if isinstance(kinds, str):
            ctx.report(
                "AS036",
                (*path, "type"),
                f"type is the string {kinds!r}; the agent expects a list of file and/or directory",
                f"write it as a list: type: [{kinds}]",
            )


@_rule("AS015", E, "malformed ACL entry")
def permission_acls(ctx: Context) -> None:
    for path, perm in _permissions(ctx):
        acls = perm.get("acls")
        if not isinstance(acls, list):
            continue
        for i, entry in enumerate(acls):
            match = _ACL.match(str(entry))
            if not match or (match.group(2) in ("u", "user", "g", "group") and not match.group(3)):
                ctx.report(
                    "AS015",
                    (*path, "acls", i),
                    f"ACL entry {entry!r} is not a named setfacl entry",
                    "use the form u:<user>:rwx or g:<group>:rx (entries must name the user or"
                    " group)",
                )


@_rule("AS016", E, "SELinux `context` without `type`")
def permission_context(ctx: Context) -> None:
    for path, perm in _permissions(ctx):
        context = perm.get("context")
        if isinstance(context, dict) and not context.get("type"):
            ctx.report(
                "AS016",
                (*path, "context"),
                "an SELinux context needs `type` (e.g. httpd_sys_content_t)",
                "add `type:` under context",
                key=True,
            )


@_rule("AS018", E, "hook script without `location`", LIFECYCLE_DOC)
def script_location(ctx: Context) -> None:
    for path, name, script in _ec2_scripts(ctx):
        if not script.get("location"):
            ctx.report(
                "AS018",
                path,
                f"a script of {name} has no `location`",
                "add `location: scripts/<file>` (relative to the revision root)",
            )


@_rule("AS037", E, "arguments after a hook script `location`", LIFECYCLE_DOC)
def script_arguments(ctx: Context) -> None:
    # The agent runs `location` as one file path: "scripts/start.sh --port 80" names a file that
    # does not exist, so the hook fails with ScriptMissing.
    for path, name, script in _ec2_scripts(ctx):
        location = script.get("location")
        if isinstance(location, str) and " " in location.strip():
            first = location.strip().split()[0]
            ctx.report(
                "AS037",
                (*path, "location"),
                f"location {location!r} ({name}) has arguments after the script path; the agent"
                " reads the whole text as one file name and cannot pass arguments",
                f"use location: {first} and read settings from a file or environment variable"
                " inside the script",
            )


@_rule("AS019", E, "hook `timeout` not a positive whole number of seconds", LIFECYCLE_DOC)
def script_timeout(ctx: Context) -> None:
    for path, name, script in _ec2_scripts(ctx):
        if "timeout" not in script:
            continue
        value = script["timeout"]
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            ctx.report(
                "AS019",
                (*path, "timeout"),
                f"timeout {value!r} of a {name} script must be a whole number of seconds above 0",
                f"e.g. timeout: 300 (the default and maximum is {MAX_EVENT_SECONDS})",
            )


@_rule(
    "AS020",
    E,
    f"hook timeouts of one event add up to more than {MAX_EVENT_SECONDS} s",
    LIFECYCLE_DOC,
)
def event_total_timeout(ctx: Context) -> None:
    if platform(ctx) != "ec2":
        return
    for path, name, scripts in _hook_items(ctx):
        if not isinstance(scripts, list):
            continue
        total = 0
        for script in scripts:
            # Only explicit timeouts count: the docs' own examples leave several scripts of one
            # event without a timeout.
            timeout = script.get("timeout", 0) if isinstance(script, dict) else 0
            total += timeout if isinstance(timeout, int) and timeout > 0 else 0
        if total > MAX_EVENT_SECONDS:
            ctx.report(
                "AS020",
                path,
                f"the {name} scripts may run {total} s in total; one lifecycle event fails after"
                f" {MAX_EVENT_SECONDS} s",
                "lower the timeouts or split the work across events",
                key=True,
            )


@_rule("AS021", E, "hook script missing from the revision", LIFECYCLE_DOC)
def script_exists(ctx: Context) -> None:
    root = ctx.options.get("revision")
    if not root or not os.path.isdir(root):
        return
    for path, name, script in _ec2_scripts(ctx):
        location = script.get("location")
        if not isinstance(location, str) or not location:
            continue
        full = os.path.join(root, location.replace("\\", "/").lstrip("/"))
        if not os.path.isfile(full):
            ctx.report(
                "AS021",
                (*path, "location"),
                f"{location!r} ({name}) is not in the revision: the deployment would fail with"
                " ScriptMissing",
                "check the path: it is relative to the revision root (where appspec.yml is)",
            )


@_rule("AS022", W, "`runas` on Windows (ignored)", LIFECYCLE_DOC)
def runas_windows(ctx: Context) -> None:
    if ctx.data.get("os") != "windows":
        return
    for path, _name, script in _ec2_scripts(ctx):
        if "runas" in script:
            ctx.report(
                "AS022",
                (*path, "runas"),
                "runas works on Amazon Linux and Ubuntu instances only",
                "remove runas for Windows",
                key=True,
            )


# --- Lambda and ECS ------------------------------------------------------------------------


@_rule("AS031", E, "resource `Type` missing or wrong for the platform", LAMBDA_ECS_DOC)
def resource_type(ctx: Context) -> None:
    plat = platform(ctx)
    if plat is None or plat not in RESOURCE_TYPES:
        return
    resources = list(_resources(ctx))
    if not resources:
        ctx.report(
            "AS031",
            (),
            f"a {plat} AppSpec needs `Resources` with one {RESOURCE_TYPES[plat]} resource",
            "see the AppSpec reference for the resource layout",
        )
    for path, _name, body in resources:
        found = _ci(body, "Type")
        if not found or found[1] != RESOURCE_TYPES[plat]:
            ctx.report(
                "AS031",
                (*path, found[0]) if found else path,
                f"resource type must be {RESOURCE_TYPES[plat]}"
                + (f", not {found[1]!r}" if found else " (Type is missing)"),
                f"write Type: {RESOURCE_TYPES[plat]}",
            )


@_rule(
    "AS023", E, "Lambda resource without name/alias/currentversion/targetversion", LAMBDA_ECS_DOC
)
def lambda_required(ctx: Context) -> None:
    if platform(ctx) != "lambda":
        return
    for ppath, props in _props(ctx):
        for key in LAMBDA_PROPERTIES:
            if _ci(props, key) is None:
                ctx.report(
                    "AS023",
                    ppath,
                    f"the Lambda resource has no `{key}`",
                    "Lambda properties: name, alias, currentversion, targetversion",
                    key=True,
                )


@_rule("AS024", E, "Lambda version not a positive integer", LAMBDA_ECS_DOC)
def lambda_versions(ctx: Context) -> None:
    if platform(ctx) != "lambda":
        return
    for ppath, props in _props(ctx):
        for key in ("currentversion", "targetversion"):
            found = _ci(props, key)
            if found is None or _is_placeholder(found[1]):
                continue
            value = found[1]
            number = int(value) if isinstance(value, str) and value.isdigit() else value
            if not isinstance(number, int) or isinstance(number, bool) or number < 1:
                ctx.report(
                    "AS024",
                    (*ppath, found[0]),
                    f"{key} {value!r} is not a published version number (an integer from 1)",
                    "use the version number Lambda gave when you published (not $LATEST or an"
                    " alias)",
                )


@_rule("AS025", W, "Lambda currentversion equals targetversion", LAMBDA_ECS_DOC)
def lambda_same_version(ctx: Context) -> None:
    if platform(ctx) != "lambda":
        return
    for ppath, props in _props(ctx):
        cur, tgt = _ci(props, "currentversion"), _ci(props, "targetversion")
        if cur and tgt and str(cur[1]) == str(tgt[1]):
            ctx.report(
                "AS025",
                (*ppath, tgt[0]),
                f"targetversion equals currentversion ({tgt[1]}): no traffic would shift",
                "set targetversion to the newly published version",
            )


def _ecs_lbi(props: Mapping[Any, Any], ppath: Path) -> tuple[Path, dict[Any, Any]] | None:
    found = _ci(props, "LoadBalancerInfo")
    if found and isinstance(found[1], dict):
        return (*ppath, found[0]), found[1]
    return None


@_rule(
    "AS026", E, "ECS resource without TaskDefinition/ContainerName/ContainerPort", LAMBDA_ECS_DOC
)
def ecs_required(ctx: Context) -> None:
    if platform(ctx) != "ecs":
        return
    for ppath, props in _props(ctx):
        if not _ci(props, "TaskDefinition"):
            ctx.report(
                "AS026",
                ppath,
                "the ECS service has no `TaskDefinition`",
                "add TaskDefinition: <task definition ARN>",
                key=True,
            )
        lbi = _ecs_lbi(props, ppath)
        if lbi is None:
            ctx.report(
                "AS026",
                ppath,
                "the ECS service has no `LoadBalancerInfo`",
                "add LoadBalancerInfo with ContainerName and ContainerPort",
                key=True,
            )
            continue
        for key in ECS_LOAD_BALANCER_KEYS:
            found = _ci(lbi[1], key)
            if found is None or (isinstance(found[1], str) and not found[1].strip()):
                ctx.report(
                    "AS026",
                    (*lbi[0], found[0]) if found else lbi[0],
                    f"LoadBalancerInfo.{key} is " + ("blank" if found else "missing"),
                    f"set {key} to the container (and port) the load balancer sends traffic to",
                    key=found is None,
                )


@_rule("AS027", E, "ECS ContainerPort is not a number", LAMBDA_ECS_DOC)
def ecs_port(ctx: Context) -> None:
    if platform(ctx) != "ecs":
        return
    for ppath, props in _props(ctx):
        lbi = _ecs_lbi(props, ppath)
        found = _ci(lbi[1], "ContainerPort") if lbi else None
        if lbi is None or found is None or _is_placeholder(found[1]):
            continue
        value = found[1]
        if isinstance(value, str) and not value.strip():
            continue  # blank: AS026
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 65535:
            ctx.report(
                "AS027",
                (*lbi[0], found[0]),
                f"ContainerPort must be a port number, not {type_name(value)}"
                + (f" ({value!r})" if isinstance(value, str) else ""),
                "write the number without quotes, e.g. ContainerPort: 8080",
            )


def _network(props: Mapping[Any, Any], ppath: Path) -> tuple[Path, dict[Any, Any]] | None:
    found = _ci(props, "NetworkConfiguration")
    if not found or not isinstance(found[1], dict):
        return None
    inner = _ci(found[1], "AwsvpcConfiguration")
    if not inner or not isinstance(inner[1], dict):
        return None
    return (*ppath, found[0], inner[0]), inner[1]


@_rule("AS028", E, "ECS network configuration given in part", LAMBDA_ECS_DOC)
def ecs_network_all_or_nothing(ctx: Context) -> None:
    if platform(ctx) != "ecs":
        return
    for ppath, props in _props(ctx):
        net = _network(props, ppath)
        if net is None:
            continue
        given = [k for k in AWSVPC_KEYS if _ci(net[1], k) is not None]
        missing = [k for k in AWSVPC_KEYS if k not in given]
        if missing and len(missing) < 3:
            ctx.report(
                "AS028",
                net[0],
                f"AwsvpcConfiguration sets {', '.join(given)} but"
                f" not {', '.join(missing)}: give all three or none",
                "with none, the service's current network settings are used",
                key=True,
            )


@_rule("AS029", E, "ECS AssignPublicIp not ENABLED/DISABLED", LAMBDA_ECS_DOC)
def ecs_public_ip(ctx: Context) -> None:
    if platform(ctx) != "ecs":
        return
    for ppath, props in _props(ctx):
        net = _network(props, ppath)
        found = _ci(net[1], "AssignPublicIp") if net else None
        if net is None or found is None:
            continue
        if found[1] not in PUBLIC_IP_VALUES and not _is_placeholder(found[1]):
            ctx.report(
                "AS029",
                (*net[0], found[0]),
                f"AssignPublicIp {found[1]!r} is not valid",
                join_hint(did_you_mean(found[1], PUBLIC_IP_VALUES), "use ENABLED or DISABLED"),
            )


@_rule("AS032", E, "invalid ECS CapacityProviderStrategy", LAMBDA_ECS_DOC)
def ecs_capacity_providers(ctx: Context) -> None:
    if platform(ctx) != "ecs":
        return
    for ppath, props in _props(ctx):
        found = _ci(props, "CapacityProviderStrategy")
        if not found or not isinstance(found[1], list):
            continue
        items = [i for i in found[1] if isinstance(i, dict)]
        with_base = [i for i in items if (_ci(i, "Base") or ("", 0))[1] not in (0, "0", None)]
        if len(with_base) > 1:
            ctx.report(
                "AS032",
                (*ppath, found[0]),
                "more than one capacity provider defines Base; only one may",
                "keep Base on one provider",
                key=True,
            )
        weights = [(_ci(i, "Weight") or ("", 0))[1] for i in items]
        if len(items) > 1 and all(w in (0, "0", None) for w in weights):
            ctx.report(
                "AS032",
                (*ppath, found[0]),
                "with several capacity providers, at least one needs a Weight above 0",
                "give the providers weights, e.g. 1 and 4",
                key=True,
            )


@_rule("AS034", E, "ECS TaskDefinition is not a task definition ARN", LAMBDA_ECS_DOC)
def ecs_task_definition(ctx: Context) -> None:
    if platform(ctx) != "ecs":
        return
    for ppath, props in _props(ctx):
        found = _ci(props, "TaskDefinition")
        if not found or not isinstance(found[1], str) or _is_placeholder(found[1]):
            continue
        if not _TASKDEF_ARN.match(found[1]):
            # A documentation template ("[Your task definition arn]", "aws-account-id") is text
            # to fill in, not a learner's mistake: a warning; any other malformed ARN makes
            # CodeDeploy reject the deployment: an error.
            template = bool(_DOC_PLACEHOLDER.search(found[1]))
            ctx.report(
                "AS034",
                (*ppath, found[0]),
                f"TaskDefinition {found[1]!r} is not in the form"
                " arn:aws:ecs:<region>:<account>:task-definition/<family>:<revision>"
                + (" (it looks like a template to fill in)" if template else ""),
                "use the full ARN, or <TASK_DEFINITION> when CodeDeployToECS fills it in",
                severity=W if template else None,
            )
