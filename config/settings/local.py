"""Local development: the embedded default (SQLite, filesystem broker) with DEBUG on."""

from .base import *  # noqa: F403
from .env import env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)
LOCAL_MODE = env_bool("PA_LOCAL_MODE", True)
SECRET_KEY = SECRET_KEY or "local-only-insecure-key-do-not-use-in-production"  # noqa: F405
