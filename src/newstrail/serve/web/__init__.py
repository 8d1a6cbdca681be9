"""The web app and JSON API (FastAPI + Jinja2, server-rendered)."""

from __future__ import annotations

from newstrail.serve.web.app import create_app, serve

__all__ = ["create_app", "serve"]
