from django.apps import AppConfig


class ValidationConfig(AppConfig):
    name = "validation"
    verbose_name = "Product validation"

    def ready(self) -> None:
        # why: models cannot be imported before the app registry is ready. Core (which cannot
        # import this app) owns the settings sub-navigation and the member_removed signal: this
        # app adds its pages to the one and connects its receiver to the other.
        from core.models import Role
        from core.views.base import SettingsPage, settings_page_add

        from . import receivers  # noqa: F401  # why: importing it connects the receivers

        settings_page_add(SettingsPage("digest-preview", "Weekly digest"))
        settings_page_add(SettingsPage("import-new", "Import CSV", Role.MEMBER))
