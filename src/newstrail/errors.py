"""newstrail's exceptions, one small tree.

Everything newstrail raises on purpose is a ``NewstrailError``; anything else
escaping the library is a bug, or the operating system refusing a file. Classes
marked ``*`` are also ``ValueError``s (callers catch them as such), and so are
their subclasses; classes defined in another module name it in brackets::

    NewstrailError            anything newstrail raises on purpose
    ├── ConfigError           a setting or the config file is invalid
    ├── InvalidInput*         an argument or input record newstrail cannot use
    │   └── BadRecord         a JSON Lines line is not an article  [stories.clustering.streams]
    ├── NotFound              no article, version, story, source, follow or file by that name
    ├── StoreError            the store cannot be opened, migrated or written
    ├── ImportFailure         one input could not be imported (the batch goes on)
    ├── BudgetExceeded        an item's stage ran past its time budget  [jobs.quarantine]
    │   └── ExtractionOverBudget  a page's extraction did  [jobs.limits]
    ├── ExtractionError*      an input cannot be turned into an article  [extract.article]
    │   ├── PageTooLarge      the page is over the size limit, refused before parsing
    │   └── EmptyPage         the page or text is empty or only whitespace
    ├── DeliveryFailed        a receiver refused or missed an alert  [jobs.alerts.delivery]
    ├── FetchStopped          the fetcher was stopped before sending  [fetch.errors]
    └── FetchError            a URL could not be fetched  [fetch.errors]
        ├── InvalidURL        not an http(s) URL with a well-formed host and port
        ├── BlockedAddress    the address guard refused the host's address
        ├── RobotsDisallowed  robots.txt forbids the URL
        ├── TooLarge          the body exceeds max_body_bytes
        ├── TooManyRedirects  more than max_redirects hops
        ├── RedirectLoop      a redirect returns to a URL already visited
        ├── FetchTimeout      the connect, read or total timeout expired
        ├── NetworkError      the connection failed, or the body was unreadable
        └── HTTPStatusError   an error status after retries (404 and 410 are results)

Batch stages (import, watch) record a failure per item and carry on; library
entry points given bad arguments raise. The command line turns each error into
one line on stderr and an exit status (``newstrail.cli.app``).
``tests/test_errors.py`` checks that every subclass is drawn here.
"""

from __future__ import annotations

import re


class NewstrailError(Exception):
    """Base class for errors newstrail raises on purpose."""


class ConfigError(NewstrailError):
    """A setting or the config file is invalid."""


class InvalidInput(NewstrailError, ValueError):
    """An argument or an input record that newstrail cannot use."""


class StoreError(NewstrailError):
    """The store cannot be opened, migrated or written."""


class NotFound(NewstrailError):
    """No record (or file) matches the given id, URL or path."""


class ImportFailure(NewstrailError):
    """One input could not be imported; the message names the input and the reason."""


# Secrets that a message may carry: a URL's password (postgresql://u:pw@host),
# a secret query parameter or key=value pair (libpq DSNs, webhook URLs), and an
# HTTP bearer token. Kept here, below everything, so the CLI's error printer,
# logging and the web app all share one definition.
_URL_PASSWORD = re.compile(r"(?P<keep>\b[a-z][a-z0-9+.-]*://[^:/?#@\s]*:)[^@/?#\s]+(?=@)", re.I)
_SECRET_PAIR = re.compile(
    r"(?P<keep>\b(?:password|passwd|pwd|token|access_token|api[_-]?key|secret|"
    r"client_secret|auth)\s*[=:]\s*['\"]?)(?!\*\*\*)[^\s'\"&#,;)]+",
    re.I,
)
_BEARER = re.compile(r"(?P<keep>\bBearer\s+)[A-Za-z0-9._~+/=-]+", re.I)
REDACTED = "***"


def redact(message: str) -> str:
    """``message`` with passwords, tokens and keys replaced by ``***``."""
    for pattern in (_URL_PASSWORD, _SECRET_PAIR, _BEARER):
        message = pattern.sub(lambda match: match.group("keep") + REDACTED, message)
    return message
