"""All of newstrail's options in one typed object.

Settings are declared as data (name, default, help) and resolved in layers:
shipped defaults, then a TOML config file, then environment variables, then
command-line flags. ``tests/test_settings.py`` checks each is documented in the
README.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from newstrail.errors import ConfigError

CONFIG_ENV = "NEWSTRAIL_CONFIG"
DEFAULT_CONFIG_PATHS = (
    Path("newstrail.toml"),
    Path.home() / ".config" / "newstrail" / "config.toml",
)


def _setting(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Settings:
    """Every option, with its default and help text."""

    db: str = _setting("newstrail.db", "Store: a SQLite file path or a database URL.")
    allow_private: bool = _setting(
        False, "Allow fetching private, loopback and link-local addresses (tests, demo)."
    )
    user_agent: str = _setting(
        "newstrail/0.1 (+https://github.com/newstrail/newstrail)", "User-Agent sent with requests."
    )
    max_page_bytes: int = _setting(20_000_000, "Largest page or file accepted, in bytes.")
    connect_timeout: float = _setting(10.0, "Seconds to wait for a connection.")
    read_timeout: float = _setting(20.0, "Seconds to wait between bytes of a response.")
    total_timeout: float = _setting(60.0, "Seconds allowed for a whole response.")
    max_text_chars: int = _setting(
        200_000, "Longest article text kept per version; longer text is truncated and noted."
    )
    max_paragraphs: int = _setting(
        5_000, "Most paragraphs kept per version; more are truncated and noted."
    )
    max_redirects: int = _setting(5, "Redirects followed before giving up.")
    retries: int = _setting(3, "Retries on 429 and 5xx responses.")
    per_host_concurrency: int = _setting(2, "Simultaneous requests to one host.")
    per_host_delay: float = _setting(1.0, "Minimum seconds between requests to one host.")
    respect_robots: bool = _setting(True, "Honour robots.txt.")
    first_interval_minutes: float = _setting(30.0, "Re-check interval after a change.")
    interval_growth: float = _setting(1.2, "Interval multiplier after an unchanged check.")
    retire_after_days: float = _setting(40.0, "Retire an article once its interval passes this.")
    per_source_budget: int = _setting(50, "Most checks of one source per watch pass.")
    feed_interval_minutes: float = _setting(15.0, "How often feeds and sitemaps are polled.")
    max_new_per_poll: int = _setting(
        1_000, "Most new articles one feed or sitemap adds per poll; the rest come next pass."
    )
    lease_minutes: float = _setting(5.0, "How long a watcher holds a claimed article.")
    workers: int = _setting(2, "Processes used for extraction in bulk commands.")
    host: str = _setting("127.0.0.1", "Address the web app binds.")
    port: int = _setting(8080, "Port the web app listens on.")
    public_url: str = _setting(
        "",
        "The web app's address as readers reach it (e.g. https://…): absolute links in "
        "alerts and Atom feeds, and the authority of feed entries' tag: ids.",
    )
    smtp_host: str = _setting("", "SMTP server for email alerts (empty: no email).")
    smtp_port: int = _setting(587, "SMTP port (587 submission, 465 with smtp_security = ssl).")
    smtp_security: str = _setting("starttls", "SMTP connection security: starttls, ssl or none.")
    smtp_username: str = _setting("", "SMTP user name (empty: no login).")
    smtp_password: str = _setting(
        "", "SMTP password; or set NEWSTRAIL_SMTP_PASSWORD (keep it out of shared files)."
    )
    alert_from: str = _setting("newstrail@localhost", "Sender address of email alerts.")

    @classmethod
    def documented(cls) -> dict[str, str]:
        """Each setting's name and help text."""
        return {f.name: f.metadata["help"] for f in fields(cls)}

    def with_overrides(self, **overrides: Any) -> Settings:
        """A copy with the given non-None values replaced (CLI flags)."""
        known = {f.name for f in fields(self)}
        unknown = set(overrides) - known
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


def load_settings(config_path: Path | None = None, **overrides: Any) -> Settings:
    """Resolve settings: defaults, config file, environment, then ``overrides``.

    Args:
        config_path: a TOML file; if None, ``$NEWSTRAIL_CONFIG`` or the first of
            ``./newstrail.toml`` and ``~/.config/newstrail/config.toml`` that exists.
        overrides: values from the command line; None means "not given".

    Returns:
        The resolved settings.
    """
    settings = Settings()
    path = config_path or _find_config()
    if path is not None:
        settings = settings.with_overrides(**_read_config(path))
    env_db = os.environ.get("NEWSTRAIL_DATABASE_URL") or os.environ.get("NEWSTRAIL_DB")
    if env_db:
        settings = settings.with_overrides(db=env_db)
    env_smtp_password = os.environ.get("NEWSTRAIL_SMTP_PASSWORD")
    if env_smtp_password:
        settings = settings.with_overrides(smtp_password=env_smtp_password)
    return settings.with_overrides(**overrides)


def config_file(config_path: Path | None = None) -> Path | None:
    """The config file in use: the given one, ``$NEWSTRAIL_CONFIG`` or a default location."""
    return config_path or _find_config()


def _find_config() -> Path | None:
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env)
    return next((p for p in DEFAULT_CONFIG_PATHS if p.is_file()), None)


def _read_config(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"{path}: cannot read config: {error.strerror}") from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from error
    section = data.get("newstrail", data)
    types = {f.name: type(f.default) for f in fields(Settings)}
    values: dict[str, Any] = {}
    for key, value in section.items():
        if not isinstance(value, dict | list):  # tables such as [[sources]] belong to other stages
            expected = types.get(key)
            if expected is None:
                raise ConfigError(f"{path}: unknown setting {key!r}")
            if expected is float and isinstance(value, int):
                value = float(value)
            if not isinstance(value, expected):
                raise ConfigError(f"{path}: {key} must be {expected.__name__}")
            values[key] = value
    return values
