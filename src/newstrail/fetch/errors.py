"""Why a URL was not fetched: ``FetchError`` and its subclasses, plus ``FetchStopped``.

Each message starts with the URL asked for, so one line in a log or on stderr
says which URL failed and why. The whole tree is drawn in ``newstrail.errors``.
"""

from __future__ import annotations

from newstrail.errors import NewstrailError


class FetchError(NewstrailError):
    """A URL could not be fetched; the message names the URL and the reason."""

    def __init__(self, message: str, *, url: str = "") -> None:
        super().__init__(message)
        self.url = url


# Not a FetchError: nothing is wrong with the URL, it simply was not fetched.
class FetchStopped(NewstrailError):
    """The fetcher was stopped (``Fetcher.stop``) before this request was sent."""


class InvalidURL(FetchError):
    """Not an http(s) URL with a well-formed host and port; nothing was sent."""


class BlockedAddress(FetchError):
    """The host resolves to an address the guard refuses (private, loopback, …)."""


class RobotsDisallowed(FetchError):
    """The site's robots.txt forbids fetching the URL."""


class TooLarge(FetchError):
    """The (decoded) body is larger than ``max_body_bytes``."""


class TooManyRedirects(FetchError):
    """More redirects than ``max_redirects``."""


class RedirectLoop(FetchError):
    """A redirect leads back to a URL already visited."""


class FetchTimeout(FetchError):
    """The connect, read or total timeout expired."""


class NetworkError(FetchError):
    """The connection failed or the response could not be read or decoded."""


class HTTPStatusError(FetchError):
    """The server answered with an error status (retries exhausted for 429/5xx)."""

    def __init__(self, message: str, *, url: str = "", status: int) -> None:
        super().__init__(message, url=url)
        self.status = status
