"""Settings: layered resolution, validation, and documentation of every setting."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from newstrail.errors import ConfigError
from newstrail.settings import Settings, load_settings

README = Path(__file__).resolve().parent.parent / "README.md"


def test_layers_defaults_file_env_flags(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "newstrail.toml"
    config.write_text('db = "from-file.db"\nper_host_delay = 2\nallow_private = true\n')
    monkeypatch.delenv("NEWSTRAIL_DB", raising=False)
    monkeypatch.delenv("NEWSTRAIL_DATABASE_URL", raising=False)
    settings = load_settings(config)
    assert (settings.db, settings.per_host_delay, settings.allow_private) == (
        "from-file.db",
        2.0,
        True,
    )
    monkeypatch.setenv("NEWSTRAIL_DB", "from-env.db")
    assert load_settings(config).db == "from-env.db"
    assert load_settings(config, db="from-flag.db").db == "from-flag.db"
    assert load_settings(config, db=None).db == "from-env.db"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("db = 3\n", "db must be str"),
        ("no_such_setting = 1\n", "unknown setting"),
        ("db = \n", "invalid TOML"),
    ],
)
def test_bad_config_is_a_clear_error(tmp_path: Path, content: str, message: str) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(content)
    with pytest.raises(ConfigError, match=message):
        load_settings(config)


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = README.read_text(encoding="utf-8")
    missing = [name for name in Settings.documented() if f"`{name}`" not in readme]
    assert not missing, f"settings missing from README: {missing}"


def test_every_command_is_in_the_readme() -> None:
    from newstrail.cli.main import cli

    readme = README.read_text(encoding="utf-8")
    names = cli.list_commands(click.Context(cli))
    assert "articles" in names and "serve" in names  # lazy commands are listed too
    missing = [name for name in names if f"`{name}" not in readme]
    assert not missing, f"commands missing from README: {missing}"
