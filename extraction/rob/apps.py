from django.apps import AppConfig


class RobConfig(AppConfig):
    name = "extraction.rob"
    label = "rob"
    verbose_name = "Risk of bias"

    def ready(self) -> None:
        from . import hooks

        hooks.register()
