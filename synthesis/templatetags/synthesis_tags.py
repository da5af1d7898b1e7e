from django import template

from ..display import results_view

register = template.Library()


@register.filter
def results_display(results: dict) -> dict:
    return results_view(results or {})
