from django.apps import AppConfig


class PrepappConfig(AppConfig):
    """The project itself, as an app only so that its start-up checks are registered (prepapp/checks.py)."""

    name = "prepapp"
    verbose_name = "Ductogram preparation tracker"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the production settings' checks)
