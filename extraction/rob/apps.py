from django.apps import AppConfig


class RobConfig(AppConfig):
    name = "extraction.rob"
    label = "rob"
    verbose_name = "Risk of bias"
