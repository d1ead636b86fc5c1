"""The Celery application; settings come from Django's (CELERY_* names)."""

import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("pipeline_academy")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
import core.worker  # noqa: E402, F401  (worker hooks: the embedded beat dies with its worker)


def _filesystem_broker_folders() -> None:
    # The filesystem transport (the embedded default) needs its folders before anyone publishes.
    options = app.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


app.on_after_configure.connect(lambda sender, **kw: _filesystem_broker_folders(), weak=False)
