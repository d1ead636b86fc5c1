"""The one typed AppSpec: lifecycle events, keys, allowed values; the checker and engine read it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from simulator._findings import Path
from simulator._loading import Loaded

PLATFORMS = ("ec2", "lambda", "ecs")

# --- lifecycle events, in the order CodeDeploy runs them (fact sheet 4.1-4.4) -----------------
# Start and End exist on every platform but are never reported as lifecycle events.

EC2_INSTALL_EVENTS = (
    "ApplicationStop",
    "DownloadBundle",
    "BeforeInstall",
    "Install",
    "AfterInstall",
    "ApplicationStart",
    "ValidateService",
)
EC2_BLOCK_EVENTS = ("BeforeBlockTraffic", "BlockTraffic", "AfterBlockTraffic")
EC2_ALLOW_EVENTS = ("BeforeAllowTraffic", "AllowTraffic", "AfterAllowTraffic")
LAMBDA_EVENTS = EC2_ALLOW_EVENTS  # a Lambda deployment is one traffic shift and its two hooks
ECS_EVENTS = (
    "BeforeInstall",
    "Install",
    "AfterInstall",
    "AllowTestTraffic",
    "AfterAllowTestTraffic",
    "BeforeAllowTraffic",
    "AllowTraffic",
    "AfterAllowTraffic",
)
RESERVED: Mapping[str, tuple[str, ...]] = {
    "ec2": ("Start", "DownloadBundle", "Install", "BlockTraffic", "AllowTraffic", "End"),
    "lambda": ("Start", "AllowTraffic", "End"),
    "ecs": ("Start", "Install", "TestTraffic", "AllowTestTraffic", "AllowTraffic", "End"),
}
"""Events CodeDeploy runs itself: no hook can be attached to them."""
EVENTS: Mapping[str, tuple[str, ...]] = {
    # EC2 in the reference's order (install events, then the load balancer's): the hook list
    # the checker prints follows it.
    "ec2": (*EC2_INSTALL_EVENTS, *EC2_BLOCK_EVENTS, *EC2_ALLOW_EVENTS),
    "lambda": LAMBDA_EVENTS,
    "ecs": ECS_EVENTS,
}
HOOKS: Mapping[str, tuple[str, ...]] = {
    platform: tuple(e for e in events if e not in RESERVED[platform])
    for platform, events in EVENTS.items()
}
"""The events a hook may run on, per compute platform."""
EC2_HOOKS, LAMBDA_HOOKS, ECS_HOOKS = HOOKS["ec2"], HOOKS["lambda"], HOOKS["ecs"]
MAX_EVENT_SECONDS = 3600
"""A hook script's default and largest timeout, and the most one event's scripts may take."""

# --- keys and allowed values -----------------------------------------------------------------

EC2_KEYS = ("version", "os", "files", "file_exists_behavior", "permissions", "hooks")
RESOURCE_KEYS = ("version", "Resources", "Hooks")
"""Top-level keys of a Lambda or ECS AppSpec (any casing)."""
OS_VALUES = ("linux", "windows")
FILE_KEYS = ("source", "destination")
PERMISSION_TYPES = ("file", "directory")
RESOURCE_TYPES: Mapping[str, str] = {"lambda": "AWS::Lambda::Function", "ecs": "AWS::ECS::Service"}
LAMBDA_PROPERTIES = ("name", "alias", "currentversion", "targetversion")
ECS_LOAD_BALANCER_KEYS = ("ContainerName", "ContainerPort")
AWSVPC_KEYS = ("Subnets", "SecurityGroups", "AssignPublicIp")
PUBLIC_IP_VALUES = ("ENABLED", "DISABLED")


class FileExists(StrEnum):
    """file_exists_behavior values (AppSpec and create-deployment)."""

    DISALLOW = "DISALLOW"
    OVERWRITE = "OVERWRITE"
    RETAIN = "RETAIN"


FILE_EXISTS_BEHAVIORS = tuple(FileExists)

# --- the model ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Script:
    """One EC2/on-premises hook script; `body` is the mapping as written (for the checker)."""

    event: str
    location: str  # "" when missing
    path: Path
    where: str = field(default="", compare=False)  # "appspec.yml:12:9" when the text is known
    timeout: float | None = None  # a positive number of seconds; None: the default applies
    runas: str = ""
    body: Mapping[Any, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Hook:
    """One hook entry: EC2 scripts, or the Lambda function a Lambda/ECS event invokes."""

    event: str
    path: Path  # of the event's key
    scripts: tuple[Script, ...] = ()
    function: str = ""
    value: Any = field(default=None, compare=False, repr=False)  # as written (types checked)


@dataclass(frozen=True)
class FileMapping:
    """One `files` entry: a revision path and the absolute folder it is copied to."""

    index: int
    source: str
    destination: str
    path: Path
    where: str = field(default="", compare=False)
    is_mapping: bool = True


@dataclass(frozen=True)
class Permission:
    """One `permissions` entry, with its values as written in the file."""

    index: int
    object: str
    path: Path
    where: str = field(default="", compare=False)
    pattern: str = "**"
    excepts: tuple[str, ...] = ()
    types: tuple[str, ...] = PERMISSION_TYPES
    type_is_string: bool = False  # `type: file` (the agent wants a list)
    owner: str = ""
    group: str = ""
    mode: str | None = None  # the text as written (YAML's 0644 keeps its spelling)
    has_acls: bool = False
    has_context: bool = False
    is_mapping: bool = True
    body: Mapping[Any, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Resource:
    """One Lambda/ECS resource under `Resources`; `properties` as written (any key casing)."""

    name: str
    type: str
    path: Path
    properties_path: Path
    properties: Mapping[Any, Any] = field(default_factory=dict, compare=False)
    body: Mapping[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    def prop(self, name: str) -> Any:
        found = ci(self.properties, name)
        return found[1] if found else None


@dataclass(frozen=True)
class LambdaTarget:
    """The alias a Lambda deployment moves, and the versions it moves between."""

    name: str
    alias: str
    current_version: int
    target_version: int


@dataclass(frozen=True)
class EcsTarget:
    """The task definition an ECS deployment starts, and where the load balancer sends traffic."""

    task_definition: str
    container_name: str
    container_port: Any


@dataclass(frozen=True)
class AppSpec:
    """An AppSpec, typed; `data` is the plain mapping it was read from (what a revision stores)."""

    platform: str | None  # "ec2", "lambda", "ecs", or None when it cannot be told
    os: str = ""
    files: tuple[FileMapping, ...] = ()
    file_exists_behavior: str = ""
    permissions: tuple[Permission, ...] = ()
    hooks: tuple[Hook, ...] = ()
    resources: tuple[Resource, ...] = ()
    data: Mapping[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    def scripts(self, event: str) -> tuple[Script, ...]:
        """The EC2 scripts of one lifecycle event, in order (those without a location left out)."""
        return tuple(s for h in self.hooks if h.event == event for s in h.scripts if s.location)

    def function(self, event: str) -> str:
        """The Lambda function a Lambda/ECS event invokes ("" when none; the last entry wins)."""
        found = [h.function for h in self.hooks if h.event == event and h.function]
        return found[-1] if found else ""

    def script_locations(self) -> list[str]:
        return [s.location for h in self.hooks for s in h.scripts if s.location]

    def resource(self, platform: str) -> Resource | None:
        """The first resource of the platform's type (AWS::Lambda::Function, AWS::ECS::Service)."""
        wanted = RESOURCE_TYPES.get(platform)
        return next((r for r in self.resources if r.type == wanted), None)

    def lambda_target(self) -> LambdaTarget | None:
        """The Lambda resource's four properties, or None when one is missing or not a number."""
        found = self.resource("lambda")
        if found is None:
            return None
        name, alias = found.prop("name"), found.prop("alias")
        current = _version(found.prop("currentversion"))
        target = _version(found.prop("targetversion"))
        if not name or not alias or current is None or target is None:
            return None
        return LambdaTarget(str(name), str(alias), current, target)

    def ecs_target(self) -> EcsTarget | None:
        """The ECS resource's task definition and container, or None when one is missing."""
        found = self.resource("ecs")
        if found is None:
            return None
        task_def = found.prop("TaskDefinition")
        lbi = found.prop("LoadBalancerInfo")
        container = ci(lbi, "ContainerName")
        port = ci(lbi, "ContainerPort")
        if not task_def or not container or not container[1] or port is None or port[1] is None:
            return None
        return EcsTarget(str(task_def), str(container[1]), port[1])


def ci(mapping: Any, name: str) -> tuple[str, Any] | None:
    """(actual key, value) for a case-insensitive key lookup (Lambda/ECS casing varies)."""
    if not isinstance(mapping, dict):
        return None
    if name in mapping:
        return name, mapping[name]
    lowered = name.lower()
    for key, value in mapping.items():
        if isinstance(key, str) and key.lower() == lowered:
            return key, value
    return None


def _version(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return value if isinstance(value, int) else None


def detect_platform(data: Any) -> str | None:
    """'ec2', 'lambda' or 'ecs' from the content (None when it cannot be told)."""
    if not isinstance(data, dict):
        return None
    if "os" in data or "files" in data or "permissions" in data:
        return "ec2"
    found = ci(data, "Resources")
    if found and isinstance(found[1], list):
        text = repr(found[1])
        if RESOURCE_TYPES["ecs"] in text:
            return "ecs"
        if RESOURCE_TYPES["lambda"] in text:
            return "lambda"
    hooks = ci(data, "hooks")
    if hooks and isinstance(hooks[1], dict):
        return "ec2"
    if hooks and isinstance(hooks[1], list):
        names = {k for item in hooks[1] if isinstance(item, dict) for k in item}
        # Only ECS has install and test-traffic hooks.
        if names & (set(ECS_HOOKS) - set(LAMBDA_HOOKS)):
            return "ecs"
        return "lambda"
    return None


def read_appspec(loaded: Loaded, platform: str | None = None) -> AppSpec:
    """Type a loaded AppSpec (platform from the caller, else from the content); never raises."""
    return _Reader(loaded, platform).read()


def appspec_of(data: Mapping[Any, Any], platform: str | None = None) -> AppSpec:
    """The model of AppSpec data without its text (a stored revision): no positions."""
    return read_appspec(Loaded(dict(data)), platform)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


class _Reader:
    def __init__(self, loaded: Loaded, platform: str | None) -> None:
        self.loaded = loaded
        self.top: dict[Any, Any] = loaded.data if isinstance(loaded.data, dict) else {}
        self.platform = platform or detect_platform(self.top)
        self.positioned = bool(loaded.positions or loaded.pending_source)

    def where(self, path: Path) -> str:
        if not self.positioned:
            return ""
        line, column = self.loaded.position(path)
        return f"{self.loaded.filename}:{line}:{column}"

    def text(self, value: Any, path: Path) -> str:
        """A scalar as written (YAML's 0644 or yes keep their spelling); "" for none or a block."""
        if value is None or isinstance(value, dict | list):
            return ""
        return self.loaded.raw.get(path, value if isinstance(value, str) else str(value))

    def read(self) -> AppSpec:
        behaviour = self.top.get("file_exists_behavior")
        return AppSpec(
            platform=self.platform,
            os=self.text(self.top.get("os"), ("os",)),
            files=self._files(),
            file_exists_behavior=str(behaviour) if behaviour else "",
            permissions=self._permissions(),
            hooks=self._hooks(),
            resources=self._resources(),
            data=self.top,
        )

    def _files(self) -> tuple[FileMapping, ...]:
        found: list[FileMapping] = []
        for i, entry in enumerate(_list(self.top.get("files"))):
            path = ("files", i)
            if not isinstance(entry, dict):
                found.append(FileMapping(i, "", "", path, self.where(path), is_mapping=False))
                continue
            source = self.text(entry.get("source"), (*path, "source"))
            destination = self.text(entry.get("destination"), (*path, "destination"))
            found.append(FileMapping(i, source, destination, path, self.where(path)))
        return tuple(found)

    def _permissions(self) -> tuple[Permission, ...]:
        found: list[Permission] = []
        for i, entry in enumerate(_list(self.top.get("permissions"))):
            path = ("permissions", i)
            if not isinstance(entry, dict):
                found.append(Permission(i, "", path, self.where(path), is_mapping=False))
                continue
            kinds = entry.get("type")
            excepts = entry.get("except") or []
            found.append(
                Permission(
                    index=i,
                    object=self.text(entry.get("object"), (*path, "object")),
                    path=path,
                    where=self.where(path),
                    pattern=self.text(entry.get("pattern"), (*path, "pattern")) or "**",
                    excepts=tuple(
                        str(e) for e in (excepts if isinstance(excepts, list) else [excepts])
                    ),
                    types=(
                        tuple(str(k) for k in kinds)
                        if isinstance(kinds, list) and kinds
                        else (str(kinds),)
                        if isinstance(kinds, str)
                        else PERMISSION_TYPES
                    ),
                    type_is_string=isinstance(kinds, str),
                    owner=self.text(entry.get("owner"), (*path, "owner")),
                    group=self.text(entry.get("group"), (*path, "group")),
                    mode=(
                        self.text(entry["mode"], (*path, "mode"))
                        if entry.get("mode") is not None
                        else None
                    ),
                    has_acls=bool(entry.get("acls")),
                    has_context=bool(entry.get("context")),
                    body=entry,
                )
            )
        return tuple(found)

    def _hooks(self) -> tuple[Hook, ...]:
        # EC2 reads `hooks` exactly as spelt; Lambda and ECS accept any casing.
        if self.platform == "ec2":
            entry = ("hooks", self.top["hooks"]) if "hooks" in self.top else None
        else:
            entry = ci(self.top, "hooks")
        if entry is None:
            return ()
        key, hooks = entry
        found: list[Hook] = []
        if isinstance(hooks, dict):
            for name, value in hooks.items():
                path: Path = (key, name)
                found.append(
                    Hook(str(name), path, self._scripts(str(name), value, path), "", value)
                )
        elif isinstance(hooks, list):
            for i, item in enumerate(hooks):
                if not isinstance(item, dict):
                    continue
                for name, value in item.items():
                    found.append(Hook(str(name), (key, i, name), (), str(value), value))
        return tuple(found)

    def _scripts(self, event: str, value: Any, hook_path: Path) -> tuple[Script, ...]:
        found: list[Script] = []
        for i, script in enumerate(_list(value)):
            if not isinstance(script, dict):
                continue
            path = (*hook_path, i)
            location = script.get("location")
            timeout = script.get("timeout")
            seconds = None
            if isinstance(timeout, int | float) and not isinstance(timeout, bool) and timeout > 0:
                seconds = float(timeout)
            runas = script.get("runas")
            found.append(
                Script(
                    event=event,
                    location=str(location) if location else "",
                    path=path,
                    where=self.where(path),
                    timeout=seconds,
                    runas=str(runas) if runas else "",
                    body=script,
                )
            )
        return tuple(found)

    def _resources(self) -> tuple[Resource, ...]:
        found = ci(self.top, "Resources")
        if not found or not isinstance(found[1], list):
            return ()
        key, items = found
        resources: list[Resource] = []
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            for name, body in item.items():
                if not isinstance(body, dict):
                    continue
                path: Path = (key, i, name)
                kind = ci(body, "Type")
                props = ci(body, "Properties")
                if props and isinstance(props[1], dict):
                    props_path, properties = (*path, props[0]), props[1]
                else:
                    props_path, properties = (*path, "Properties"), {}
                resources.append(
                    Resource(
                        name=str(name),
                        type=str(kind[1]) if kind and kind[1] is not None else "",
                        path=path,
                        properties_path=props_path,
                        properties=properties,
                        body=body,
                    )
                )
        return tuple(resources)
