"""CloudWatch alarms with scripted behaviour, watched during a deployment (virtual minutes)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from simulator._world_sections import Alarm

if TYPE_CHECKING:
    from simulator.world import World

_ERROR_RATE = re.compile(r"^\s*error[_ ]rate\s*[=:]\s*([0-9]+(?:\.[0-9]+)?)\s*%?\s*$", re.I)


def reported_error_rate(lines: list[str]) -> float | None:
    """The last `error_rate=N` a hook script printed (how scripts feed error_rate alarms)."""
    rate = None
    for line in lines:
        match = _ERROR_RATE.match(line)
        if match:
            rate = float(match.group(1))
    return rate


class AlarmWatch:
    """Decides when (if ever) one of the group's alarms goes into ALARM.

    World behaviours: `ok` never fires; `alarm` is in ALARM from the start; `after_traffic`
    fires `minutes` after the new version first takes traffic; `error_rate` fires when a hook
    reports an error rate above `threshold` percent.
    """

    def __init__(self, world: World, names: tuple[str, ...]) -> None:
        self._world = world
        declared = world.alarms
        # An undeclared name never fires (the group's alarms are checked when the world loads).
        self._alarms = {n: declared.get(n) or Alarm(n, "ok", "OK") for n in names}
        self._fired: tuple[float, str] | None = None
        self.traffic_minute: float | None = None
        for name, alarm in self._alarms.items():
            if alarm.behaviour == "alarm":
                self._fire(0.0, name)

    def _fire(self, minute: float, name: str) -> None:
        if self._fired is None or minute < self._fired[0]:
            self._fired = (minute, name)

    def traffic_started(self, minute: float) -> None:
        """The new version took traffic for the first time at `minute`."""
        if self.traffic_minute is not None:
            return
        self.traffic_minute = minute
        for name, alarm in self._alarms.items():
            if alarm.behaviour == "after_traffic":
                self._fire(minute + (alarm.minutes or 0.0), name)

    def error_rate(self, minute: float, rate: float) -> None:
        """A hook reported an error rate at `minute`."""
        for name, alarm in self._alarms.items():
            if alarm.behaviour == "error_rate" and rate > (alarm.threshold or 0.0):
                self._fire(minute, name)

    def fired_by(self, minute: float) -> tuple[float, str] | None:
        """(minute, alarm name) if an alarm is in ALARM at or before `minute`."""
        if self._fired is not None and self._fired[0] <= minute + 1e-9:
            return self._fired
        return None

    def commit(self, deployment_id: str, until_minute: float) -> None:
        """Write the alarm that fired (if it fired in time) to the world's state."""
        fired = self.fired_by(until_minute)
        if fired is None:
            return
        self._world.set_alarm_state(fired[1], "ALARM")
        self._world.record(
            "cloudwatch.alarm",
            alarm=fired[1],
            state="ALARM",
            minute=round(fired[0], 3),
            deployment_id=deployment_id,
        )
