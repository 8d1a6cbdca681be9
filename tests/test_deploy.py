"""The production recipe in deploy/, checked as far as this machine allows, offline.

systemd units go through ``systemd-analyze verify`` (skipped where systemd is not
installed); compose.yaml and the Dockerfile get structural checks (no engine or
compose plugin here to build or validate them against the live schema); the
example sources parse as ``sources import`` reads them. Nothing is fetched.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml  # PyYAML comes with uvicorn[standard]

from newstrail.jobs.onboarding import read_source_file
from newstrail.jobs.sources import validate_options

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))


def verify(unit: Path, tmp_path: Path) -> str:
    """``systemd-analyze verify`` output for ``unit``, its ExecStart pointed at a real binary."""
    copy = tmp_path / unit.name
    copy.write_text(unit.read_text().replace("/opt/newstrail/bin/newstrail", sys.executable))
    result = subprocess.run(
        ["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, timeout=60
    )
    return (result.stdout + result.stderr).strip() + ("" if result.returncode == 0 else " (rc)")


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd is not installed")
@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_systemd_units_verify_cleanly(unit: Path, tmp_path: Path) -> None:
    assert verify(unit, tmp_path) == ""
    text = unit.read_text()
    assert "ExecStart=/opt/newstrail/bin/newstrail " in text and "Restart=on-failure" in text


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd is not installed")
def test_the_unit_check_catches_a_broken_unit(tmp_path: Path) -> None:
    broken = tmp_path / "broken" / "newstrail-watch.service"
    broken.parent.mkdir()
    broken.write_text(UNITS[0].read_text().replace("Restart=on-failure", "Restart=sometimes"))
    assert "restart specifier" in verify(broken, tmp_path)


def test_compose_runs_postgres_watchers_and_the_web_app() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert {"db", "migrate", "watch", "web"} <= services.keys()
    assert services["db"]["image"].startswith("postgres:")
    assert services["watch"]["command"] == ["watch"]
    assert services["watch"]["deploy"]["replicas"] >= 2  # several watchers, one store
    assert services["migrate"]["command"] == ["migrate"]
    for name in ("watch", "web"):
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
    assert services["web"]["ports"] == ["127.0.0.1:8080:8080"]  # behind a proxy, not public
    # Every named volume and secret a service uses is declared.
    for service in services.values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if not source.startswith((".", "/")):
                assert source in compose["volumes"]
        for secret in service.get("secrets", []):
            assert secret in compose["secrets"]
    assert (DEPLOY / "newstrail.env.example").is_file()


def test_dockerfile_builds_a_non_root_image_with_a_healthcheck() -> None:
    lines = [
        line.strip()
        for line in (DEPLOY / "Dockerfile").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    instructions = [line.split()[0] for line in lines if line.split()[0].isupper()]
    assert instructions[0] == "FROM" and instructions.count("FROM") == 2  # build stage, runtime
    assert "USER newstrail" in lines
    assert any(line.startswith("HEALTHCHECK") for line in lines)
    assert "/healthz" in (DEPLOY / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["newstrail"]' in lines
    for source in ("pyproject.toml", "README.md", "LICENSE", "src"):
        assert (DEPLOY.parent / source).exists()  # what COPY needs is in the repository


def test_example_sources_are_a_few_dozen_valid_entries() -> None:
    path = DEPLOY / "sources.example.toml"
    entries, refused = read_source_file(path)
    assert refused == [] and len(entries) >= 24
    assert all(entry.url.startswith("https://") and entry.name for entry in entries)
    assert len({entry.url for entry in entries}) == len(entries)
    for entry in entries:
        validate_options(entry.options)
    assert tomllib.loads(path.read_text())["sources"]
