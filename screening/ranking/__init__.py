"""Prioritised screening (issue 11)."""
