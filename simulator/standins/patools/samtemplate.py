"""SAM templates inside the sandbox: YAML with CloudFormation tags in, plain dicts out, and back.

Used by the `sam` stand-in (build, local invoke, deploy). PyYAML comes from the AWS CLI's
read-only directory; dates stay text (`AWSTemplateFormatVersion: 2010-09-09` is a string to
CloudFormation, not a date).
"""

from __future__ import annotations

import os

import yaml
from patools.common import fail

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
FUNCTION = "AWS::Serverless::Function"
_FN_TAGS = [
    "And",
    "Base64",
    "Cidr",
    "Equals",
    "FindInMap",
    "GetAZs",
    "GetAtt",
    "If",
    "ImportValue",
    "Join",
    "Not",
    "Or",
    "Select",
    "Split",
    "Sub",
    "Transform",
    "ToJsonString",
    "Length",
]


class _Loader(yaml.SafeLoader):
    pass


# Dates, times and sexagesimal numbers stay the text the author wrote.
_Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _node_value(loader, node):
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_mapping(node, deep=True)


def _tag(name):
    def construct(loader, node):
        value = _node_value(loader, node)
        if name == "Fn::GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
        return {name: value}

    return construct


_Loader.add_constructor("!Ref", _tag("Ref"))
_Loader.add_constructor("!Condition", _tag("Condition"))
for _name in _FN_TAGS:
    _Loader.add_constructor(f"!{_name}", _tag(f"Fn::{_name}"))


def load(path):
    """The template at path as a dict; a SAM-style error and exit 1 when it cannot be read."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.load(handle, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except FileNotFoundError:
        fail(f"Error: Template file not found at {os.path.abspath(path)}")
    except yaml.YAMLError as exc:
        fail(f"Error: Failed to parse template: {exc}")
    if not isinstance(data, dict) or not isinstance(data.get("Resources"), dict):
        fail(f"Error: {path} is not a valid template: it needs a Resources section")
    return data


def dump(data):
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=False)


def find_template(opts, prefer_built=False):
    """The template a command reads: --template-file/-t, else (built, then) template.yaml."""
    given = opts.get("template-file") or opts.get("template") or opts.get("t")
    if isinstance(given, str):
        return given
    if prefer_built and os.path.isfile(".aws-sam/build/template.yaml"):
        return ".aws-sam/build/template.yaml"
    for name in ("template.yaml", "template.yml"):
        if os.path.isfile(name):
            return name
    fail(f"Error: Template file not found at {os.path.abspath('template.yaml')}")


def is_sam(template):
    transform = template.get("Transform")
    names = transform if isinstance(transform, list) else [transform]
    return SAM_TRANSFORM in names


def functions(template):
    """{logical id: properties with Globals.Function merged} of every SAM function."""
    globals_ = template.get("Globals")
    globals_ = globals_ if isinstance(globals_, dict) else {}
    shared = globals_.get("Function")
    shared = shared if isinstance(shared, dict) else {}
    out = {}
    for logical, resource in template["Resources"].items():
        if not isinstance(resource, dict) or resource.get("Type") != FUNCTION:
            continue
        props = resource.get("Properties")
        props = props if isinstance(props, dict) else {}
        merged = {**shared, **props}
        env_shared = (shared.get("Environment") or {}).get("Variables") or {}
        env_own = (props.get("Environment") or {}).get("Variables") or {}
        if env_shared or env_own:
            merged["Environment"] = {"Variables": {**env_shared, **env_own}}
        out[logical] = merged
    return out


def parameter_values(template, overrides):
    """Parameter name -> value: Default, then --parameter-overrides (Key=Value or
    ParameterKey=K,ParameterValue=V)."""
    values = {}
    params = template.get("Parameters")
    params = params if isinstance(params, dict) else {}
    for name, spec in params.items():
        if isinstance(spec, dict) and "Default" in spec:
            values[name] = str(spec["Default"])
    for item in overrides:
        if item.startswith("ParameterKey="):
            parts = dict(p.split("=", 1) for p in item.split(",") if "=" in p)
            key, value = parts.get("ParameterKey", ""), parts.get("ParameterValue", "")
        elif "=" in item:
            key, value = item.split("=", 1)
        else:
            fail(
                f"Error: Invalid value for '--parameter-overrides': {item!r} is not Key=Value "
                "or ParameterKey=Key,ParameterValue=Value"
            )
        if key not in params:
            continue  # SAM ignores overrides for parameters the template does not declare
        values[key] = value
    return values


def resolve_local(node, template, params, pseudo):
    """An environment value as `sam local` resolves it: parameters and pseudo parameters get
    their values, a Ref to a resource gives its logical id (there is no physical resource
    locally), anything else unresolvable becomes ""."""
    if isinstance(node, bool):
        return "true" if node else "false"
    if isinstance(node, int | float | str):
        return str(node)
    if not isinstance(node, dict) or len(node) != 1:
        return ""
    ((fn, arg),) = node.items()
    if fn == "Ref" and isinstance(arg, str):
        if arg in params:
            return params[arg]
        if arg in pseudo:
            return pseudo[arg]
        return arg if arg in template["Resources"] else ""
    if fn == "Fn::Sub":
        text, local = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
        if not isinstance(text, str):
            return ""
        out = text
        start = out.find("${")
        while start != -1:
            end = out.find("}", start)
            if end == -1:
                break
            var = out[start + 2 : end]
            if var in local:
                value = resolve_local(local[var], template, params, pseudo)
            elif "." in var:
                value = ""
            else:
                value = resolve_local({"Ref": var}, template, params, pseudo)
            out = out[:start] + value + out[end + 1 :]
            start = out.find("${", start + len(value))
        return out
    if fn == "Fn::Join" and isinstance(arg, list) and len(arg) == 2:
        sep, items = arg
        if isinstance(sep, str) and isinstance(items, list):
            return sep.join(resolve_local(i, template, params, pseudo) for i in items)
    return ""
