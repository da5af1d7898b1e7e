from django.apps import AppConfig


class ExtractionConfig(AppConfig):
    name = "extraction"
    verbose_name = "Data extraction"

    def ready(self) -> None:
        from . import hooks

        hooks.register()
