"""Checks on how the build reads secrets and parameters: the buildspec's env and the log."""

from __future__ import annotations

import json
import re
from typing import Any

from labs.checks import Evidence, Verdict, as_dict, check, words


@check("secret_not_in_log")
def secret_not_in_log(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """No secret value (listed, or every secret of the account) appears in what the learner saw."""
    values = [str(v) for v in params.get("values") or evidence.secret_values]
    leaked = [v for v in values if v and v in evidence.log]
    return Verdict(not leaked, "A secret value appears in plain text in the log." if leaked else "")


def _buildspec_env(evidence: Evidence, file: str) -> dict[str, Any]:
    data = evidence.documents.get(file)
    env = data.get("env") if isinstance(data, dict) else None
    return env if isinstance(env, dict) else {}


def _secret_values_of_account(evidence: Evidence) -> set[str]:
    values = set(evidence.secret_values)
    before = evidence.result.before
    for secret in before.secrets if before else ():
        for version in secret.versions:
            if version.value and version.value != "****":
                values.add(version.value)
                try:
                    data = json.loads(version.value)
                except ValueError:
                    continue
                if isinstance(data, dict):
                    values.update(str(v) for v in data.values() if isinstance(v, str | int))
    return {v for v in values if len(v) >= 4}


@check("no_plaintext_secret", "file", needs_run=False)
def no_plaintext_secret(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """No plaintext environment value of the buildspec equals a secret's value in the account."""
    variables = _buildspec_env(evidence, params["file"]).get("variables")
    secrets = _secret_values_of_account(evidence) if evidence.result.before else set()
    if not secrets:
        secrets = set(evidence.secret_values)
    leaking = sorted(
        str(name)
        for name, value in (variables or {}).items()
        if isinstance(variables, dict) and str(value) in secrets
    )
    if not leaking:
        return Verdict(True)
    return Verdict(False, f"env.variables holds the value of a secret in {words(leaking)}.")


def _secret_reference(ref: str) -> tuple[str, str]:
    """(secret name or ARN without suffix, JSON key) of a buildspec secrets-manager reference."""
    if ref.startswith("arn:"):
        parts = ref.split(":")
        name = ":".join(parts[:7])
        key = parts[7] if len(parts) > 7 else ""
        name = name.split(":secret:", 1)[-1]
        name = re.sub(r"-[A-Za-z0-9]{6}$", "", name)
        return name, key
    name, _, rest = ref.partition(":")
    return name, rest.split(":", 1)[0]


@check("env_from_secret", "file", "variable", "secret", needs_run=False)
def env_from_secret(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """The buildspec maps the variable to the secret (by name or ARN, and JSON key) under
    env.secrets-manager (parsed, so JSON, flow style or comments make no difference)."""
    section = _buildspec_env(evidence, params["file"]).get("secrets-manager")
    ref = section.get(params["variable"]) if isinstance(section, dict) else None
    if not isinstance(ref, str):
        return Verdict(
            False,
            f"{params['variable']} is not read from Secrets Manager under env.secrets-manager.",
        )
    name, key = _secret_reference(ref)
    if name != params["secret"]:
        return Verdict(
            False, f"{params['variable']} reads the secret {name}, not {params['secret']}."
        )
    if params.get("key") and key != params["key"]:
        got = f"the JSON key {key}" if key else "the whole secret string"
        return Verdict(False, f"{params['variable']} reads {got}, not the key {params['key']}.")
    return Verdict(True)


def _parameter_names(call) -> set[str]:
    """The parameters a GetParameter / GetParameters / GetParametersByPath request named."""
    if call.operation == "GetParameter":
        return {_parameter_name(str(call.params.get("Name", "")))}
    if call.operation == "GetParameters":
        names = call.params.get("Names") or []
        return {_parameter_name(str(n)) for n in names} if isinstance(names, list) else set()
    return set()


def _parameter_name(ref: str) -> str:
    if ref.startswith("arn:"):
        return "/" + ref.split(":parameter/", 1)[-1].split(":")[0]
    return ref.split(":")[0]


@check("value_from_parameter", "parameter")
def value_from_parameter(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """The build read the parameter from Parameter Store (env.parameter-store or an API call),
    and no plaintext variable holds its value instead."""
    file = params.get("file") or evidence.scenario.get("buildspec") or ""
    env = _buildspec_env(evidence, file)
    name = params["parameter"]
    section = as_dict(env.get("parameter-store"))
    mapped = any(isinstance(v, str) and _parameter_name(v) == name for v in section.values())
    called = any(
        call.service == "ssm" and call.ok and name in _parameter_names(call)
        for call in evidence.result.api_calls
    )
    before = evidence.result.before.parameter(name) if evidence.result.before else None
    variables = as_dict(env.get("variables"))
    copied = before is not None and before.value in {str(v) for v in variables.values()}
    if copied:
        return Verdict(
            False,
            f"env.variables holds the value of {name} as plain text: "
            "read it from Parameter Store instead.",
        )
    if mapped or called:
        return Verdict(True)
    return Verdict(False, f"The build never read {name} from Parameter Store.")
