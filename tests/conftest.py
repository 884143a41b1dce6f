"""Shared fixtures. Tiers live in folders: unit/ (pure), cluster/ (real Redis and workers), browser/."""
