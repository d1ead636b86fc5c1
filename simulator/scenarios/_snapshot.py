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


def _bytes(value: Any) -> bytes:
    """An object body as the engines may hold it: bytes, text, None or an iterable of chunks."""
    if value is None:
        return b""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    if isinstance(value, str):
        return value.encode()
    try:  # a generator or list of chunks (consumed once, here)
        return b"".join(c if isinstance(c, bytes) else str(c).encode() for c in value)
    except TypeError:
        return str(value).encode()


def _items(value: Any) -> list[Any]:
    """A list from a list, tuple, generator or None (engines may leave any of them)."""
    if value is None or isinstance(value, str | bytes | dict):
        return []
    try:
        return list(value)
    except TypeError:
        return []


def _s3_object(bucket: str, key: str, obj: Any, home: str, region: str) -> S3Object:
    obj = obj if isinstance(obj, Mapping) else {"data": obj}
    data = _bytes(obj.get("data"))
    size = obj.get("size")
    known = isinstance(size, int) and not isinstance(size, bool) and size >= 0
    return S3Object(
        bucket=bucket,
        key=key,
        size=size if known else len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        account=home,
        region=region,
        text=_text(data),
        version_id=obj.get("version_id"),
    )


def _parameter(name: str, spec: Mapping[str, Any], home: str, region: str) -> Parameter:
    versions = _items(spec.get("versions"))
    return Parameter(
        name=name,
        type=str(spec.get("type", "String")),
        value=versions[-1]["value"] if versions else "",
        version=versions[-1]["version"] if versions else 0,
        account=home,
        region=region,
        history=tuple(
            ParameterVersion(v["version"], v["value"], tuple(_items(v.get("labels"))))
            for v in versions
        ),
    )


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
        _s3_object(bucket, key, obj, home, str(spec.get("region", region)))
        for bucket, spec in sorted((state.get("s3") or {}).items())
        for key, obj in sorted((spec.get("objects") or {}).items())
    )
    parameters = tuple(
        _parameter(name, spec, home, region)
        for name, spec in sorted((state.get("parameters") or {}).items())
    )
    secrets = tuple(
        Secret(
            name=name,
            arn=str(s.get("arn", f"arn:aws:secretsmanager:{region}:{home}:secret:{name}")),
            account=home,
            region=region,
            versions=tuple(
                SecretVersion(str(v.get("id", "")), tuple(v.get("stages", ())), v.get("value"))
                for v in _items(s.get("versions"))
            ),
        )
        for name, s in sorted((state.get("secrets") or {}).items())
    )
    images = tuple(
        Image(
            repository=name,
            account=str(repo.get("account", home)),
            region=region,
            digest=str(image["digest"]),
            tags=tuple(image.get("tags", ())),
        )
        for name, repo in sorted((state.get("ecr") or {}).items())
        for image in _items(repo.get("images"))
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
            resources={str(r): "" for r in _items(s.get("resources"))},
        )
        for name, s in sorted((state.get("stacks") or {}).items())
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
                for v in _items(f.get("versions"))
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
        for name, f in sorted((state.get("lambda") or {}).items())
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
