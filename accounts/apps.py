"""App config for accounts: the role groups are (re)synchronised after every migrate."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self) -> None:
        from accounts.services import roles_sync

        post_migrate.connect(lambda **kwargs: roles_sync(), sender=self, weak=False)
