from django.apps import AppConfig


class SynthesisConfig(AppConfig):
    name = "synthesis"
    verbose_name = "Synthesis and reporting"

    def ready(self) -> None:
        from reviewapp import registry

        from . import hooks
        from .demo import seed_review_build

        registry.demo_review(seed_review_build)  # the seed review perinatal-msc-diabetes
        hooks.register()
