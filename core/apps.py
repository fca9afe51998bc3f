from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Accounts and organizations"

    def ready(self) -> None:
        from core import db  # noqa: F401  (registers the SQLite percentile aggregate)
