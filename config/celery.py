"""The Celery application; settings come from Django's (CELERY_* names)."""

import os
import signal
from pathlib import Path

from celery import Celery
from celery.signals import beat_embedded_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("pipeline_academy")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
import core.worker  # noqa: E402, F401  (worker hooks: the embedded beat dies with its worker)

# The process that loaded the app: a worker that forks its embedded beat (and pool) from it.
_LOADED_BY = os.getpid()


@beat_embedded_init.connect(weak=False)
def _beat_without_worker_stops(sender=None, **kwargs) -> None:
    # Connected after core.worker's handler, so this runs once PR_SET_PDEATHSIG is set. A worker
    # killed before that (the beat child still starting) left beat re-parented and running:
    # then our parent is no longer the worker, and beat stops now.
    if os.getppid() != _LOADED_BY:
        os.kill(os.getpid(), signal.SIGTERM)


def _filesystem_broker_folders() -> None:
    # The filesystem transport (the embedded default) needs its folders before anyone publishes.
    options = app.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


app.on_after_configure.connect(lambda sender, **kw: _filesystem_broker_folders(), weak=False)
