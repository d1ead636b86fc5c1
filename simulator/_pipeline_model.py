"""A pipeline read from get-pipeline JSON or a CloudFormation resource, with source paths."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from simulator._findings import Path

NO_VALUE = {"Ref": "AWS::NoValue"}


def is_intrinsic(value: Any) -> bool:
    """A CloudFormation function or Ref: its value is unknown until deployment."""
    return (
        isinstance(value, dict)
        and len(value) == 1
        and isinstance(next(iter(value)), str)
        and (next(iter(value)).startswith("Fn::") or next(iter(value)) in ("Ref", "Condition"))
    )


def literal(value: Any) -> Any:
    """The value, or None when it is an intrinsic function (unknown)."""
    return None if is_intrinsic(value) else value


@dataclass
class Action:
    """One action with the source paths rules report at."""

    path: Path
    stage_index: int
    name: Any
    category: Any = None
    owner: Any = None
    provider: Any = None
    type_known: bool = True
    run_order: Any = 1
    configuration: dict[Any, Any] = field(default_factory=dict)
    configuration_known: bool = True
    inputs: list[tuple[Any, Path]] = field(default_factory=list)
    outputs: list[tuple[Any, Path]] = field(default_factory=list)
    region: Any = None
    namespace: Any = None
    role_arn: Any = None
    timeout: Any = None
    raw: dict[Any, Any] = field(default_factory=dict)
    commands: Any = None  # the V2 Commands action's shell commands (action level)
    output_variables: Any = None  # the Commands action's exported variable names

    @property
    def order(self) -> tuple[int, int]:
        """(stage index, runOrder) for 'runs earlier' comparisons."""
        run = self.run_order if isinstance(self.run_order, int) else 1
        return self.stage_index, run


@dataclass
class Stage:
    """One stage."""

    path: Path
    name: Any
    actions: list[Action]
    raw: dict[Any, Any]


@dataclass
class Pipeline:
    """One pipeline declaration, from either source format."""

    path: Path
    cfn: bool
    raw: dict[Any, Any]
    stages: list[Stage]

    def key(self, name: str) -> str:
        """The source's spelling of a field: `roleArn` in JSON, `RoleArn` in CloudFormation."""
        return name[0].upper() + name[1:] if self.cfn else name

    def get(self, name: str) -> Any:
        """A top-level field in either spelling."""
        return self.raw.get(self.key(name))

    def field_path(self, name: str) -> Path:
        """Source path of a top-level field."""
        return (*self.path, self.key(name))

    def actions(self) -> list[Action]:
        """All actions in stage order."""
        return [a for s in self.stages for a in s.actions]


def expand_if(items: Any, path: Path) -> list[tuple[Any, Path]]:
    """List items with `Fn::If` items replaced by their first branch that has a value."""
    out: list[tuple[Any, Path]] = []
    if not isinstance(items, list):
        return out
    for i, item in enumerate(items):
        if isinstance(item, dict) and list(item) == ["Fn::If"] and isinstance(item["Fn::If"], list):
            branches = item["Fn::If"]
            for b in (1, 2):
                if len(branches) > b and branches[b] != NO_VALUE and branches[b] is not None:
                    out.append((branches[b], (*path, i, "Fn::If", b)))
                    break
        elif item != NO_VALUE:
            out.append((item, (*path, i)))
    return out


def _artifacts(
    action: dict[Any, Any], key: str, name_key: str, path: Path
) -> list[tuple[Any, Path]]:
    result = []
    for item, ipath in expand_if(action.get(key), (*path, key)):
        if isinstance(item, dict):
            result.append((literal(item.get(name_key)), (*ipath, name_key)))
    return result


def _action(raw: dict[Any, Any], path: Path, stage_index: int, cfn: bool) -> Action:
    def k(name: str) -> str:
        return name[0].upper() + name[1:] if cfn else name

    raw_type_id = raw.get(k("actionTypeId"))
    type_known = isinstance(raw_type_id, dict) and not is_intrinsic(raw_type_id)
    type_id: dict[str, Any] = raw_type_id if isinstance(raw_type_id, dict) and type_known else {}
    config = raw.get(k("configuration"))
    config_known = config is None or (isinstance(config, dict) and not is_intrinsic(config))
    return Action(
        path=path,
        stage_index=stage_index,
        name=literal(raw.get(k("name"))),
        category=literal(type_id.get(k("category"))),
        owner=literal(type_id.get(k("owner"))),
        provider=literal(type_id.get(k("provider"))),
        type_known=type_known,
        run_order=literal(raw.get(k("runOrder"), 1)),
        configuration=config if isinstance(config, dict) and config_known else {},
        configuration_known=config_known,
        inputs=_artifacts(raw, k("inputArtifacts"), k("name"), path),
        outputs=_artifacts(raw, k("outputArtifacts"), k("name"), path),
        region=literal(raw.get(k("region"))),
        namespace=literal(raw.get(k("namespace"))),
        role_arn=literal(raw.get(k("roleArn"))),
        timeout=literal(raw.get(k("timeoutInMinutes"))),
        raw=raw,
        commands=literal(raw.get(k("commands"))),
        output_variables=literal(raw.get(k("outputVariables"))),
    )


def build_pipeline(raw: dict[Any, Any], path: Path, cfn: bool) -> Pipeline:
    """Normalise one declaration (its `raw` mapping found at `path`)."""
    stages_key = "Stages" if cfn else "stages"
    actions_key = "Actions" if cfn else "actions"
    name_key = "Name" if cfn else "name"
    stages: list[Stage] = []
    for index, (stage, spath) in enumerate(expand_if(raw.get(stages_key), (*path, stages_key))):
        if not isinstance(stage, dict):
            continue
        actions = [
            _action(a, apath, index, cfn)
            for a, apath in expand_if(stage.get(actions_key), (*spath, actions_key))
            if isinstance(a, dict)
        ]
        stages.append(Stage(spath, literal(stage.get(name_key)), actions, stage))
    return Pipeline(path, cfn, raw, stages)


def find_pipelines(data: dict[Any, Any]) -> list[Pipeline]:
    """Every pipeline in a document: CloudFormation resources, or get-pipeline JSON."""
    resources = data.get("Resources")
    if isinstance(resources, dict):
        found = []
        for name, res in resources.items():
            if isinstance(res, dict) and res.get("Type") == "AWS::CodePipeline::Pipeline":
                props = res.get("Properties")
                if isinstance(props, dict):
                    found.append(build_pipeline(props, ("Resources", name, "Properties"), True))
        return found
    inner = data.get("pipeline")
    if isinstance(inner, dict):
        return [build_pipeline(inner, ("pipeline",), False)]
    if "stages" in data or "name" in data:
        return [build_pipeline(data, (), False)]
    return []


# --- the action catalogue (simulator/data/action_types.json) ----------------------------------


@dataclass(frozen=True)
class ActionType:
    """One action type of the catalogue: what AWS accepts for (owner, category, provider)."""

    owner: str
    category: str
    provider: str
    version: str
    configuration: dict[str, str]  # key -> required | optional | conditional
    inputs: tuple[int, int]
    outputs: tuple[int, int]
    variables: tuple[str, ...]
    pipeline_types: tuple[str, ...]
    doc: str
    open_configuration: bool = False  # keys are not checked (e.g. Commands)
    open_variables: bool = False  # the user names the variables (CodeBuild exports, ...)
    mode_key: str | None = None  # e.g. ActionMode
    modes: dict[str, tuple[str, ...]] = field(default_factory=dict)  # mode -> keys it needs
    rules: tuple[tuple[dict[str, str], tuple[str, ...]], ...] = ()  # (when, require)
    values: dict[str, tuple[str, ...]] = field(default_factory=dict)  # key -> allowed values
    deprecated: str = ""

    @property
    def required(self) -> tuple[str, ...]:
        """Keys every action of this type needs, whatever its mode."""
        return tuple(k for k, v in self.configuration.items() if v == "required")


@dataclass(frozen=True)
class Catalogue:
    """Every known action type, and the stage-condition rule types."""

    types: dict[tuple[str, str, str], ActionType]
    rule_types: dict[str, dict[str, str]]

    def find(self, owner: Any, category: Any, provider: Any) -> ActionType | None:
        """The action type, or None when AWS does not know that combination."""
        return self.types.get((str(owner), str(category), str(provider)))

    def providers(self, owner: str, category: str) -> tuple[str, ...]:
        """Providers of one owner and category, in catalogue order."""
        return tuple(
            t.provider for t in self.types.values() if (t.owner, t.category) == (owner, category)
        )

    def categories_of(self, owner: str, provider: str) -> tuple[str, ...]:
        """The categories a provider exists in (for 'CodeBuild is a Build provider' hints)."""
        return tuple(
            t.category for t in self.types.values() if (t.owner, t.provider) == (owner, provider)
        )


_CATALOGUE: list[Catalogue] = []


def catalogue() -> Catalogue:
    """The action catalogue, read once from the package data (importlib.resources)."""
    if not _CATALOGUE:
        import json
        from importlib.resources import files

        data = json.loads(files("simulator").joinpath("data/action_types.json").read_text())
        types = {}
        for raw in data["types"]:
            modes = raw.get("modes") or {}
            item = ActionType(
                owner=raw["owner"],
                category=raw["category"],
                provider=raw["provider"],
                version=raw["version"],
                configuration=dict(raw["configuration"]),
                inputs=(raw["inputs"][0], raw["inputs"][1]),
                outputs=(raw["outputs"][0], raw["outputs"][1]),
                variables=tuple(raw["variables"]),
                pipeline_types=tuple(raw["pipeline_types"]),
                doc=raw["doc"],
                open_configuration=bool(raw.get("open_configuration")),
                open_variables=bool(raw.get("open_variables")),
                mode_key=modes.get("key"),
                modes={k: tuple(v) for k, v in (modes.get("values") or {}).items()},
                rules=tuple((dict(r["when"]), tuple(r["require"])) for r in raw.get("rules") or []),
                values={k: tuple(v) for k, v in (raw.get("values") or {}).items()},
                deprecated=raw.get("deprecated", ""),
            )
            types[(item.owner, item.category, item.provider)] = item
        rule_types = {k: dict(v) for k, v in data["rules"].items() if k != "about"}
        _CATALOGUE.append(Catalogue(types, rule_types))
    return _CATALOGUE[0]
