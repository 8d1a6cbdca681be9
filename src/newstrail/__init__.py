"""newstrail: follow news stories across outlets and through time."""

from __future__ import annotations

__version__ = "0.1.0"
