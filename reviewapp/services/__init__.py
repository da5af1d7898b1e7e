"""Every write to the core data goes through these functions (views, API, commands and tasks alike)."""
