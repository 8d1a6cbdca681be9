"""Showing the archive: read models, terminal rendering, Atom, exports, the web app."""
