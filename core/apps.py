from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Accounts and organizations"

    def ready(self) -> None:
        # db registers the SQLite percentile aggregate; lockout and signals connect receivers.
        from core import db, lockout, signals  # noqa: F401
