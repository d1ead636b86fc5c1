"""App config for labs."""

from django.apps import AppConfig


class LabsConfig(AppConfig):
    name = "labs"
