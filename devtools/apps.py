from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """Installed from a checkout only, for its management command `bench`."""

    name = "devtools"
    verbose_name = "Development tools"
