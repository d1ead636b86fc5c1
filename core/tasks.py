"""Site-level Celery tasks."""

from celery import shared_task
from django.db import connection


@shared_task(name="core.ping", ignore_result=False)
def ping(token: str) -> dict[str, str]:
    """Answer with the token and the database vendor: proves broker, worker and database work."""
    return {"token": token, "database": connection.vendor}
