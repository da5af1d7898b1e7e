"""Every write to screening data goes through these functions (pages, API, commands and tasks alike)."""
