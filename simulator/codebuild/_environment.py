"""The build's environment: CodeBuild's variables, the buildspec's, parameters, secrets, exports."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass

from simulator._buildspec_model import parse_secret_ref
from simulator.codebuild._log import BuildLog
from simulator.codebuild._records import BuildFailed, BuildOptions
from simulator.codebuild._shell import Shells
from simulator.codebuild._spec import Buildspec
from simulator.sandbox import SRC_DIR
from simulator.standins._channel import TOOLS_PATH
from simulator.world import World


@dataclass(frozen=True)
class BuildIdentity:
    """What names this build in its variables: id, number, image and start time."""

    build_id: str
    build_number: int
    image: str
    started: float


def codebuild_variables(world: World, options: BuildOptions, who: BuildIdentity) -> dict[str, str]:
    """The variables CodeBuild itself sets (fact sheet 1.4), before the buildspec's."""
    region, account = world.region, world.account_id
    arn = f"arn:aws:codebuild:{region}:{account}"
    env = {
        "PATH": f"{TOOLS_PATH}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME": "/root",
        "LANG": "C.UTF-8",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "CODEBUILD_BUILD_ID": who.build_id,
        "CODEBUILD_BUILD_ARN": f"{arn}:build/{who.build_id}",
        "CODEBUILD_BUILD_NUMBER": str(who.build_number),
        "CODEBUILD_BUILD_IMAGE": who.image,
        "CODEBUILD_BUILD_SUCCEEDING": "1",
        "CODEBUILD_INITIATOR": options.initiator,
        "CODEBUILD_KMS_KEY_ID": f"arn:aws:kms:{region}:{account}:alias/aws/s3",
        "CODEBUILD_LOG_PATH": who.build_id.split(":", 1)[1],
        "CODEBUILD_PROJECT_ARN": f"{arn}:project/{options.project_name}",
        "CODEBUILD_RESOLVED_SOURCE_VERSION": options.source_version,
        "CODEBUILD_SOURCE_VERSION": options.source_version,
        "CODEBUILD_SRC_DIR": SRC_DIR,
        "CODEBUILD_START_TIME": str(int(who.started * 1000)),
    }
    for ident in options.secondary_sources:
        env[f"CODEBUILD_SRC_DIR_{ident}"] = f"/codebuild/output/src_{ident}"
    return env


def resolve_env(
    spec: Buildspec,
    world: World,
    options: BuildOptions,
    base: Mapping[str, str],
    log: BuildLog,
) -> dict[str, str]:
    """`base` (CodeBuild's and the role's variables), then the buildspec's, then the project's.

    Parameter and secret values are masked in the log from the moment they are read.
    """
    env = dict(base)
    # CodeBuild's own variables win over a buildspec's CODEBUILD_ names (BS013 warns).
    builtin = {n for n in env if n.startswith("CODEBUILD_")}
    env.update({n: v for n, v in spec.variables.items() if n not in builtin})
    for name, selector in spec.parameter_store.items():
        if name in builtin:
            continue
        try:
            found = world.ssm_get(selector)
        except KeyError as exc:
            raise BuildFailed(
                "CLIENT_ERROR",
                f"error while fetching parameter {selector!r} from Parameter Store for "
                f"{name}: {exc.args[0]}",
            ) from exc
        world.record("ssm.read", name=found["name"], version=found["version"], by="codebuild")
        env[name] = found["value"]
        log.hide(found["value"])
    for name, reference in spec.secrets_manager.items():
        if name in builtin:
            continue
        env[name] = secret_value(world, name, reference)
        log.hide(env[name])
    env.update(options.project_env)
    env.update(options.env_overrides)
    return env


def secret_value(world: World, name: str, reference: str) -> str:
    """The value a secrets-manager reference names (one JSON key of it, when given)."""
    ref = parse_secret_ref(reference)
    if ref.version_stage and ref.version_id:  # only a `$VAR` reference gets past the checks
        raise BuildFailed("CLIENT_ERROR", f"{name}: give a version stage or a version id, not both")
    try:
        found = world.secret_get(
            ref.secret_id, version_stage=ref.version_stage, version_id=ref.version_id
        )
    except KeyError as exc:
        raise BuildFailed("CLIENT_ERROR", f"Secrets Manager: {exc.args[0]} (for {name})") from exc
    world.record("secrets.read", name=found["name"], version_id=found["id"], by="codebuild")
    value = found["value"]
    if ref.json_key:
        try:
            value = json.loads(value)[ref.json_key]
        except (ValueError, KeyError, TypeError) as exc:
            raise BuildFailed(
                "CLIENT_ERROR",
                f"Secrets Manager: secret {ref.secret_id} has no JSON key {ref.json_key!r} "
                f"(for {name})",
            ) from exc
        value = value if isinstance(value, str) else json.dumps(value)
    text: str = value
    return text


def exported_values(spec: Buildspec, shells: Shells, env: Mapping[str, str]) -> dict[str, str]:
    """env.exported-variables as the shell holds them after the last phase."""
    names = spec.exported_variables
    if not names:
        return {}
    session = shells.live
    if session is None:
        return {n: env.get(n, "") for n in names}
    lines: list[str] = []
    script = "; ".join(
        f'printf \'%s=%s\\n\' {n} "$(printf %s "${{{n}-}}" | base64 -w0)"' for n in names
    )
    session.run(script, on_line=lines.append)
    exported: dict[str, str] = {}
    for line in lines:
        name, _, encoded = line.partition("=")
        if name in names:
            try:
                exported[name] = base64.b64decode(encoded).decode("utf-8", "replace")
            except ValueError:
                exported[name] = ""
    return exported
