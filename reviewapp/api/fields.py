"""Serializer fields the apps share."""

from rest_framework import serializers

MAX_ID = 2**63 - 1  # bigint: larger numbers cannot be an id, and SQLite/PostgreSQL refuse to compare them


class IdField(serializers.IntegerField):
    """The id of a row: a positive 64-bit integer (anything else is a 400, never an overflow 500)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)
