"""Snapshots of the simulated account(s) as `AccountSnapshot`, and the diff between two.

Until the account service outside the sandbox produces snapshots itself, they are read from the
engines' host-side world state (never from a file the sandbox wrote).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from simulator.account import (
    AccountSnapshot,
    Alias,
    Change,
    ChangeKind,
    Function,
    FunctionVersion,
    Image,
    Parameter,
    ParameterVersion,
    S3Object,
    Secret,
    SecretVersion,
    Stack,
)

MAX_OBJECT_TEXT = 64 * 1024


def _text(data: bytes) -> str | None:
    if len(data) > MAX_OBJECT_TEXT:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def snapshot_of(
    world: Any, stack_places: Mapping[str, tuple[str, str]] | None = None
) -> AccountSnapshot:
    """What the world holds now; `stack_places` gives stack -> (account, region) where known.

    When the world is backed by the account service (outside the sandbox), its snapshot is the
    fact; the engines' own host-side state is the fallback.
    """
    service_snapshot = getattr(world, "snapshot", None)
    if callable(service_snapshot):
        snap = service_snapshot()
        # Stacks the pipeline engine deploys itself (not yet through the service) are host
        # facts too: add those the service does not know, placed where their action ran.
        known = {st.name for st in snap.stacks}
        extra = tuple(st for st in _engine_snapshot(world, stack_places).stacks
                      if st.name not in known)  # fmt: skip
        return replace(snap, stacks=snap.stacks + extra) if extra else snap
    return _engine_snapshot(world, stack_places)


def _engine_snapshot(
    world: Any, stack_places: Mapping[str, tuple[str, str]] | None
) -> AccountSnapshot:
    """The snapshot from the engines' host-side world state."""
    state = world.state
    home, region = state["account"], state["region"]
    objects = tuple(
        S3Object(
            bucket=bucket,
            key=key,
            size=int(obj.get("size", len(obj.get("data", b"")))),
            sha256=hashlib.sha256(obj.get("data", b"")).hexdigest(),
            account=home,
            region=str(spec.get("region", region)),
            text=_text(obj.get("data", b"")),
            version_id=obj.get("version_id"),
        )
        for bucket, spec in sorted(state.get("s3", {}).items())
        for key, obj in sorted(spec.get("objects", {}).items())
    )
    parameters = tuple(
        Parameter(
            name=name,
            type=p["type"],
            value=p["versions"][-1]["value"] if p["versions"] else "",
            version=p["versions"][-1]["version"] if p["versions"] else 0,
            account=home,
            region=region,
            history=tuple(
                ParameterVersion(v["version"], v["value"], tuple(v.get("labels", ())))
                for v in p["versions"]
            ),
        )
        for name, p in sorted(state.get("parameters", {}).items())
    )
    secrets = tuple(
        Secret(
            name=name,
            arn=str(s.get("arn", f"arn:aws:secretsmanager:{region}:{home}:secret:{name}")),
            account=home,
            region=region,
            versions=tuple(
                SecretVersion(str(v.get("id", "")), tuple(v.get("stages", ())), v.get("value"))
                for v in s["versions"]
            ),
        )
        for name, s in sorted(state.get("secrets", {}).items())
    )
    images = tuple(
        Image(
            repository=name,
            account=str(repo.get("account", home)),
            region=region,
            digest=str(image["digest"]),
            tags=tuple(image.get("tags", ())),
        )
        for name, repo in sorted(state.get("ecr", {}).items())
        for image in repo.get("images", [])
    )
    places = stack_places or {}
    stacks = tuple(
        Stack(
            name=name,
            account=places.get(name, (home, region))[0] or home,
            region=places.get(name, (home, region))[1] or region,
            status=str(s.get("status", "")),
            parameters={str(k): str(v) for k, v in (s.get("parameters") or {}).items()},
            outputs={str(k): str(v) for k, v in (s.get("outputs") or {}).items()},
            resources={str(r): "" for r in s.get("resources") or []},
        )
        for name, s in sorted(state.get("stacks", {}).items())
    )
    functions = tuple(
        Function(
            name=name,
            account=home,
            region=region,
            code_sha256=str(f.get("code_sha256", "")),
            versions=tuple(
                FunctionVersion(
                    str(v["version"]), str(v.get("code_sha256", "")), str(v.get("description", ""))
                )
                for v in f.get("versions", [])
            ),
            aliases={
                str(a): Alias(
                    str(a),
                    str(body["version"]),
                    {str(k): float(w) for k, w in (body.get("weights") or {}).items()},
                )
                for a, body in (f.get("aliases") or {}).items()
            },
        )
        for name, f in sorted(state.get("lambda", {}).items())
    )
    return AccountSnapshot(
        s3_objects=objects,
        parameters=parameters,
        secrets=secrets,
        images=images,
        stacks=stacks,
        functions=functions,
    )


def _keyed(items: Iterable[Any], key) -> dict[str, Any]:
    return {key(item): item for item in items}


def diff(before: AccountSnapshot | None, after: AccountSnapshot | None) -> tuple[Change, ...]:
    """What changed between two snapshots (never a secret value in the detail)."""
    if before is None or after is None:
        return ()
    changes: list[Change] = []

    def compare(kind: str, old: dict[str, Any], new: dict[str, Any], describe) -> None:
        for name in sorted(new.keys() - old.keys()):
            changes.append(Change(ChangeKind.CREATED, kind, name, describe(None, new[name])))
        for name in sorted(old.keys() - new.keys()):
            changes.append(Change(ChangeKind.DELETED, kind, name))
        for name in sorted(old.keys() & new.keys()):
            if old[name] != new[name]:
                changes.append(
                    Change(ChangeKind.UPDATED, kind, name, describe(old[name], new[name]))
                )

    compare(
        "s3-object",
        _keyed(before.s3_objects, lambda o: f"{o.bucket}/{o.key}"),
        _keyed(after.s3_objects, lambda o: f"{o.bucket}/{o.key}"),
        lambda _o, n: f"{n.size} bytes",
    )
    compare(
        "image",
        _keyed(before.images, lambda i: f"{i.repository}@{i.digest}"),
        _keyed(after.images, lambda i: f"{i.repository}@{i.digest}"),
        lambda _o, n: "tags " + (", ".join(n.tags) or "none"),
    )
    compare(
        "parameter",
        _keyed(before.parameters, lambda p: p.name),
        _keyed(after.parameters, lambda p: p.name),
        lambda _o, n: f"version {n.version}",
    )
    compare(
        "secret",
        _keyed(before.secrets, lambda s: s.name),
        _keyed(after.secrets, lambda s: s.name),
        lambda _o, n: f"{len(n.versions)} versions",
    )
    compare(
        "stack",
        _keyed(before.stacks, lambda s: f"{s.account}/{s.region}/{s.name}"),
        _keyed(after.stacks, lambda s: f"{s.account}/{s.region}/{s.name}"),
        lambda _o, n: n.status,
    )
    compare(
        "function",
        _keyed(before.functions, lambda f: f.name),
        _keyed(after.functions, lambda f: f.name),
        lambda _o, n: ", ".join(
            f"alias {a.name} on version {a.version}" for a in n.aliases.values()
        ),
    )
    return tuple(changes)
