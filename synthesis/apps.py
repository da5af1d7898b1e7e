from django.apps import AppConfig


class SynthesisConfig(AppConfig):
    name = "synthesis"
    verbose_name = "Synthesis and reporting"

    def ready(self) -> None:
        from . import hooks

        hooks.register()
