"""Checks on CloudFormation templates deployed by StackSets: no literals, names unique per place."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from labs.checks import Evidence, Verdict, as_dict, check, plural
from simulator import template_value

_ACCOUNT_ID = re.compile(r"(?<!\d)\d{12}(?!\d)")
_REGION = re.compile(
    r"\b(us|eu|ap|sa|ca|me|af|il|mx)-(east|west|north|south|central|northeast|southeast|"
    r"northwest|southwest)-\d\b"
)


def _strings(node: Any, skip: tuple[str, ...] = ("Description", "Metadata")) -> Iterable[str]:
    """Every string value of a parsed template (comments are not values; descriptions skipped)."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            if key not in skip:
                yield from _strings(value, skip)
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item, skip)


def _template_body(evidence: Evidence, file: str) -> dict[str, Any]:
    data = evidence.documents.get(file)
    if not isinstance(data, dict):
        return {}
    # Parameters' AllowedPattern and Defaults describe inputs, not what the stack creates.
    return {k: v for k, v in data.items() if k not in ("Parameters", "Description", "Metadata")}


@check("no_literal", "file", "what", needs_run=False)
def no_literal(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """No value of the parsed template hard-codes an account id, a Region or an ARN."""
    if not isinstance(evidence.documents.get(params["file"]), dict):
        return Verdict(False, f"{params['file']} could not be read as a template.")
    body = _template_body(evidence, params["file"])
    what = params["what"]
    hits = []
    for value in _strings(body):
        account, region = _ACCOUNT_ID.search(value), _REGION.search(value)
        if what == "account" and account:
            hits.append(account.group(0))
        elif what == "region" and region:
            hits.append(region.group(0))
        elif what == "arn" and value.startswith("arn:aws"):
            hits.append(value)
    if not hits:
        return Verdict(True)
    label = {"account": "account id", "region": "Region", "arn": "ARN"}[what]
    return Verdict(
        False, f"The template types {plural(len(hits), 'literal ' + label)}, for example {hits[0]}."
    )


@check("names_unique_per", "file", "resource_type", "property", "scope", needs_run=False)
def names_unique_per(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """The name property resolves to a different value in every stack instance of the scope
    (account and Region, or Region): evaluated with the pseudo parameters of each placement."""
    data = evidence.documents.get(params["file"])
    if not isinstance(data, dict):
        return Verdict(False, f"{params['file']} could not be read as a template.")
    resources = as_dict(data.get("Resources"))
    named = [
        (k, (r.get("Properties") or {}).get(params["property"]))
        for k, r in resources.items()
        if isinstance(r, dict) and r.get("Type") == params["resource_type"]
    ]
    placements = [
        ("111111111111", "us-east-1"),
        ("222222222222", "us-east-1"),
        ("111111111111", "eu-west-1"),
    ]
    if params["scope"] == "region":
        placements = [placements[0], placements[2]]
    for logical, node in named:
        if node is None:
            continue  # CloudFormation generates a unique name
        values = []
        for account, region in placements:
            value = template_value(data, node, account=account, region=region)
            if value is None:
                return Verdict(
                    False,
                    f"{logical}.{params['property']} uses a function this "
                    "lab cannot evaluate; use !Sub or !Join.",
                )
            values.append(value)
        if len(set(values)) < len(values):
            scope = "account and Region" if params["scope"] != "region" else "Region"
            return Verdict(
                False,
                f"{logical}.{params['property']} resolves to the same name in "
                f"two stack instances; it must differ per {scope}.",
            )
    return Verdict(True)
