"""Shared site pieces: layout, dashboard, content-loading framework, Markdown rendering."""
