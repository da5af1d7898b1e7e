"""Helpers the extraction pages share: a page, messages from errors, a form by id, the posted version."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, render

from ..models import Form


def _page(request, template, review, member, nav, status=200, **extra):
    context = {"review": review, "member": member, "nav": "extraction", "sub": nav, **extra}
    return render(request, template, context, status=status)


def _errors(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _form(review, pk) -> Form:
    return get_object_or_404(Form, review=review, pk=pk)


def _expected(request) -> int | None:
    value = request.POST.get("version", "")
    return int(value) if value.isdigit() else None
