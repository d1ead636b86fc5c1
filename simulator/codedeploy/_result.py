"""What a deployment produced: per-target lifecycle events and traffic over (virtual) time."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# API names (fact sheet 5.6).
DEPLOYMENT_STATUSES = (
    "Created",
    "Queued",
    "InProgress",
    "Baking",
    "Succeeded",
    "Failed",
    "Stopped",
    "Ready",
)
EVENT_STATUSES = ("Pending", "InProgress", "Succeeded", "Failed", "Skipped", "Unknown")


@dataclass
class LifecycleEvent:
    """One lifecycle event on one target; times are virtual seconds since the deployment began."""

    target: str
    event: str
    status: str = "Pending"
    start: float | None = None
    end: float | None = None
    output: list[str] = field(default_factory=list)
    error_code: str | None = None  # API LifecycleErrorCode: ScriptMissing, ScriptFailed, ...
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "event": self.event,
            "status": self.status,
            "start": _round(self.start),
            "end": _round(self.end),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


@dataclass(frozen=True)
class TrafficPoint:
    """Share of traffic on the new version from `minute` on."""

    minute: float
    percent_new: float

    def to_dict(self) -> dict[str, Any]:
        return {"minute": round(self.minute, 3), "percent_new": round(self.percent_new, 2)}


@dataclass
class DeploymentResult:
    """The outcome of one deployment (and of the rollback deployment it triggered, if any)."""

    deployment_id: str
    status: str
    config: str
    platform: str
    application: str
    group: str
    events: list[LifecycleEvent] = field(default_factory=list)
    traffic: list[TrafficPoint] = field(default_factory=list)
    message: str = ""
    rolled_back: bool = False
    rollback: DeploymentResult | None = None
    steps: list[tuple[float, str]] = field(default_factory=list)  # deployment-level milestones
    duration_s: float = 0.0
    error_code: str = ""  # API ErrorInformation.code when Failed (HEALTH_CONSTRAINTS, ...)

    @property
    def succeeded(self) -> bool:
        return self.status == "Succeeded"

    def all_events(self) -> list[LifecycleEvent]:
        """This deployment's events, then the rollback deployment's."""
        return self.events + (self.rollback.all_events() if self.rollback else [])

    def to_dict(self) -> dict[str, Any]:
        """The CLI's JSON (graders depend on these keys)."""
        return {
            "status": self.status,
            "rolled_back": self.rolled_back,
            "events": [e.to_dict() for e in self.all_events()],
            "traffic": [p.to_dict() for p in self.traffic],
            "config": self.config,
            "deployment_id": self.deployment_id,
        }

    def to_detail(self) -> dict[str, Any]:
        """`to_dict` plus what a pipeline action's typed run needs (group, error code, ...)."""
        return {
            **self.to_dict(),
            "application": self.application,
            "group": self.group,
            "platform": self.platform,
            "message": self.message,
            "error_code": self.error_code,
            "rollback_status": self.rollback.status if self.rollback else None,
        }

    def to_text(self) -> str:
        """A readable timeline like the console's deployment page."""
        lines = [
            f"Deployment {self.deployment_id} ({self.application}/{self.group}, {self.platform}, "
            f"{self.config}): {self.status}"
        ]
        if self.message:
            lines.append(f"  {self.message}")
        lines += _event_lines(self.events)
        for minute, step in self.steps:
            lines.append(f"  [{_clock(minute * 60)}] {step}")
        if self.traffic:
            series = ", ".join(f"{p.percent_new:g}% @ {p.minute:g} min" for p in self.traffic)
            lines.append(f"  traffic on the new version: {series}")
        if self.rollback is not None:
            lines.append("Automatic rollback:")
            lines += ["  " + line for line in self.rollback.to_text().splitlines()]
        elif self.rolled_back is False and self.status in ("Failed", "Stopped"):
            lines.append("  no automatic rollback")
        return "\n".join(lines)


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "--:--:--"
    whole = round(seconds)
    return f"{whole // 3600:02d}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def _event_lines(events: list[LifecycleEvent]) -> list[str]:
    lines: list[str] = []
    target = None
    for event in events:
        if event.target != target:
            target = event.target
            lines.append(f"  {target}:")
        span = f"{_clock(event.start)}-{_clock(event.end)}"
        detail = (
            f" ({event.error_code}: {event.message})"
            if event.error_code
            else (f" ({event.message})" if event.message else "")
        )
        lines.append(f"    {span}  {event.event:<22} {event.status}{detail}")
        for out in event.output[-20:]:
            lines.append(f"        | {out}")
    return lines
