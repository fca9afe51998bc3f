from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Accounts and organizations"

    def ready(self) -> None:
        # why: these modules connect receivers (db: the SQLite percentile aggregate on each new
        # connection; lockout, receivers: sign-in failures, credential changes), and receivers
        # import models, which cannot be imported before the app registry is ready.
        from core import db, lockout, receivers  # noqa: F401
