"""Accounts' own table: sign-ups per client address in the current window (sign-up throttling)."""

from django.db import models


class SignupWindow(models.Model):
    """How many accounts one client address created since `started_at` (one row per address,
    locked while counting, so parallel sign-ups cannot all slip under the limit)."""

    address = models.GenericIPAddressField(unique=True)
    started_at = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.address}: {self.count} since {self.started_at:%Y-%m-%d %H:%M}"
