from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "screening"
    verbose_name = "Screening"

    def ready(self) -> None:
        from . import hooks, worklist

        hooks.register()
        worklist.register_sql_functions()
