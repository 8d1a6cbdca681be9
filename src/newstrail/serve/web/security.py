"""Web security: API tokens, CSRF, response headers, and making untrusted content safe.

Everything an article carries (title, text, URL, byline) comes from the open
web and is treated as hostile. Jinja2 autoescapes every value; the few places
that show HTML we built ourselves (word diffs, search snippets) pass it through
nh3 with a tag allow-list as well, and links to articles are only made for
http(s) URLs.

Write actions need a token. The first ``serve`` generates one and prints it
once; only its sha256 is stored (``api_tokens``), so a leaked database does not
leak a usable token. Programs send ``Authorization: Bearer <token>``; people
log in once through a form that sets an HttpOnly, SameSite=Strict session
cookie holding the token, and every form post also carries a CSRF token
(double-submit: a random cookie repeated in a hidden field), because a cookie
alone would let another site post on the user's behalf.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

import nh3
import sqlalchemy as sa
from markupsafe import Markup

from newstrail.store import schema
from newstrail.store.database import Store, utcnow

SESSION_COOKIE = "newstrail_session"
CSRF_COOKIE = "newstrail_csrf"
CSRF_FIELD = "csrf_token"

# default-src 'none' means anything not listed (scripts, frames, fonts,
# connections) is refused; no inline script or style is allowed at all.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
# The API explorer at /docs runs Swagger UI: its script and the initializer are
# our own static files (no CDN, no inline script), it fetches /openapi.json and
# sets inline styles on its elements.
DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}

# Tags our own markup uses; anything else in a fragment is dropped with nh3.
ALLOWED_TAGS = {"p", "br", "del", "ins", "mark", "span", "em", "strong", "b", "i"}
SAFE_SCHEMES = ("http", "https")


def token_digest(token: str) -> str:
    """The sha256 hex digest stored for ``token``."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(store: Store) -> str:
    """Generate a new API token, store its digest and return the token (shown once).

    Returns:
        The token; it cannot be recovered from the store later.
    """
    token = secrets.token_urlsafe(32)
    with store.write() as connection:
        connection.execute(
            schema.api_tokens.insert().values(token_sha256=token_digest(token), created_at=utcnow())
        )
    return token


def ensure_token(store: Store) -> str | None:
    """Create the first API token when none exists; return it, or None if one already did."""
    with store.read() as connection:
        count = connection.execute(
            sa.select(sa.func.count()).select_from(schema.api_tokens)
        ).scalar_one()
    return create_token(store) if count == 0 else None


def token_is_valid(store: Store, token: str | None) -> bool:
    """Whether ``token`` is one of the store's API tokens."""
    if not token:
        return False
    with store.read() as connection:
        found = connection.execute(
            sa.select(schema.api_tokens.c.id).where(
                schema.api_tokens.c.token_sha256 == token_digest(token)
            )
        ).first()
    return found is not None


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header."""
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def new_csrf_token() -> str:
    """A fresh random CSRF token."""
    return secrets.token_urlsafe(24)


def csrf_matches(cookie_value: str | None, form_value: str | None) -> bool:
    """Double-submit check: the form repeats the cookie (compared in constant time)."""
    if not cookie_value or not form_value:
        return False
    return hmac.compare_digest(cookie_value.encode(), form_value.encode())


def safe_url(url: str | None) -> str | None:
    """``url`` if it is an absolute http(s) URL, else None (no javascript:, data:, …)."""
    if not url:
        return None
    stripped = url.strip()
    try:
        parts = urlsplit(stripped)
    except ValueError:
        return None
    if parts.scheme.lower() not in SAFE_SCHEMES or not parts.netloc:
        return None
    if any(ord(character) < 32 for character in stripped):
        return None
    return stripped


def sanitize_html(fragment: str) -> Markup:
    """An HTML fragment cleaned to the allow-listed tags, with no attributes, safe to embed."""
    return Markup(nh3.clean(fragment, tags=ALLOWED_TAGS, attributes={}, url_schemes=set()))
