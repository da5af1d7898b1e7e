"""Shared behaviour of the admin commands: a `--json` one-line summary and clear errors."""

from __future__ import annotations

import json

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ..models import Review


class ReviewCommand(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print a one-line JSON summary.")

    def review(self, slug: str) -> Review:
        review = Review.objects.filter(slug=slug).first()
        if review is None:
            raise CommandError(f"No review with the slug '{slug}'.")
        return review

    def owner_of(self, review: Review, username: str | None = None):
        User = get_user_model()
        if username:
            user = User.objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"No user '{username}'.")
            return user
        member = review.memberships.filter(is_owner=True).select_related("user").first()
        return member.user if member else None

    def finish(self, options, summary: dict, text: str) -> None:
        self.stdout.write(json.dumps(summary, default=str) if options["json"] else text)

    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except ValidationError as exc:
            messages = (
                [f"{k}: {m}" for k, ms in exc.message_dict.items() for m in ms]
                if hasattr(exc, "error_dict")
                else exc.messages
            )
            raise CommandError("; ".join(messages)) from exc
