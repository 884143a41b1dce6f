"""Test tiers live in folders: unit/ (pure), cluster/ and notebooks/ (real Redis and workers),
browser/ (JupyterLab in headless Chromium)."""
