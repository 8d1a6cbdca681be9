"""Running newstrail for real: onboarding from OPML, alerts to a webhook receiver and an
SMTP server started here on 127.0.0.1, pass summaries and exit codes, /healthz and
/metrics. Every server is local; nothing leaves the machine."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import socket
import threading
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import httpx
import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from click.testing import CliRunner
from prometheus_client.parser import text_string_to_metric_families

from newstrail.cli.main import cli
from newstrail.demo.fixture_site import FixtureSite
from newstrail.demo.fixture_site.timeline import OUTLETS
from newstrail.serve.web.app import create_app
from newstrail.settings import Settings
from newstrail.store import schema
from newstrail.store.database import Store


class Receiver:
    """A webhook receiver on 127.0.0.1: records each POST, answers the next status."""

    def __init__(self) -> None:
        self.posts: list[tuple[dict[str, str], bytes]] = []
        self.statuses: list[int] = []  # answered in order, then 204
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                receiver.posts.append((dict(self.headers.items()), body))
                status = receiver.statuses.pop(0) if receiver.statuses else 204
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class Mailbox:
    """An aiosmtpd handler keeping every message it is given."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 OK"


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    with socket.socket() as probe:  # aiosmtpd probes its own port once started: not 0
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


def run(where: Path, *args: str) -> tuple[int, str, str]:
    """``newstrail --db store.db --config newstrail.toml ARGS`` in-process."""
    config = where / "newstrail.toml"
    base = ["--db", str(where / "store.db")]
    if config.exists():
        base += ["--config", str(config)]
    result = CliRunner().invoke(cli, [*base, *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def opml(site: FixtureSite) -> str:
    """An OPML export listing the fixture site's feeds, as a feed reader writes it."""
    outlines = "\n".join(
        f'      <outline type="rss" text={quoteattr(o.name)} title={quoteattr(o.name)}'
        f" xmlUrl={quoteattr(site.base_url + o.feed_path)}/>"
        for o in OUTLETS
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">\n'
        "  <head><title>Desk feeds</title></head>\n  <body>\n"
        f'    <outline text="World">\n{outlines}\n    </outline>\n'
        "  </body>\n</opml>\n"
    )


def test_opml_onboarding_then_a_substantive_edit_reaches_webhook_and_mail(
    tmp_path: Path, mailbox: tuple[Mailbox, int]
) -> None:
    box, smtp_port = mailbox
    (tmp_path / "newstrail.toml").write_text(
        f'smtp_host = "127.0.0.1"\nsmtp_port = {smtp_port}\nsmtp_security = "none"\n'
        'alert_from = "newstrail@desk.example"\nper_host_delay = 0.0\nworkers = 1\n'
        'public_url = "https://newstrail.desk.example"\n'
    )
    with FixtureSite() as site, Receiver() as receiver:
        (tmp_path / "feeds.opml").write_text(opml(site))
        # Re-check articles a moment after each change, so passes follow the site's steps.
        code, out, _ = run(
            tmp_path, "sources", "import", str(tmp_path / "feeds.opml"),
            "--allow-private", "--first-interval", "0.0001",
        )  # fmt: skip
        assert code == 0, out
        assert out.count("added") == len(OUTLETS), out
        assert "rss for Republic World" in out
        code, out, _ = run(
            tmp_path, "alerts", "add", "webhook", receiver.url,
            "--secret", "s3cret", "--only", "substantive", "--allow-private",
        )  # fmt: skip
        assert code == 0 and "alert 1: webhook" in out
        assert run(tmp_path, "alerts", "add", "email", "desk@example.org")[0] == 0

        code, _, err = run(tmp_path, "watch", "--once")  # no --allow-private: it was kept
        assert code == 0, err
        assert "5 feeds polled" in err and "5 new versions" in err, err
        assert receiver.posts == [] and box.messages == []  # first versions are not changes

        site.advance()  # step 1: Republic rewords a sentence (a minor edit)
        assert run(tmp_path, "watch", "--once")[0] == 0
        assert receiver.posts == []  # --only substantive: skipped
        assert len(box.messages) == 1  # every change

        site.advance()  # step 2: Republic's headline changes (substantive)
        code, _, err = run(tmp_path, "watch", "--once")
        assert code == 0, err

    assert len(receiver.posts) == 1, receiver.posts
    headers, body = receiver.posts[0]
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Newstrail-Signature"], expected)
    alert = json.loads(body)
    assert alert["event"] == "changed" and alert["significance"] == "substantive"
    assert "headline_changed" in alert["edit_classes"]
    assert alert["article"]["outlet"] == "Republic World"
    assert alert["old_version"]["number"] == 2 and alert["new_version"]["number"] == 3
    assert alert["new_version"]["captured_at"].endswith("+00:00")
    assert alert["headline"]["old"] != alert["headline"]["new"]
    assert alert["omitted_change_count"] == 0 and "changes_omitted" not in alert  # <thing>_count
    assert alert["links"]["diff"].startswith("https://newstrail.desk.example/articles/")

    assert len(box.messages) == 2
    reword, headline = box.messages
    assert reword["To"] == "desk@example.org" and "Republic World changed" in reword["Subject"]
    text = reword.get_body(("plain",))
    html = reword.get_body(("html",))
    assert text is not None and html is not None
    # The reworded sentence's word diff, in both parts.
    assert "[-" in text.get_content() and "{+" in text.get_content()
    assert "<del " in html.get_content() and "<ins " in html.get_content()
    assert "headline changed" in headline["Subject"]

    code, out, _ = run(tmp_path, "alerts", "log", "--json")
    statuses = sorted(json.loads(line)["status"] for line in out.splitlines())
    assert statuses == ["sent", "sent", "sent", "skipped"]


def test_a_failing_webhook_is_retried_and_never_fails_the_pass(tmp_path: Path) -> None:
    with FixtureSite() as site, Receiver() as receiver:
        receiver.statuses = [500]
        store = Store(tmp_path / "store.db")
        store.close()
        feed = site.base_url + OUTLETS[0].feed_path
        assert (
            run(tmp_path, "sources", "add", feed, "--allow-private", "--first-interval", "0.0001")[
                0
            ]
            == 0
        )
        assert run(tmp_path, "alerts", "add", "webhook", receiver.url, "--allow-private")[0] == 0
        assert run(tmp_path, "watch", "--once")[0] == 0
        site.advance()
        code, _, err = run(tmp_path, "watch", "--once")
        assert code == 0, err  # the receiver's 500 fails no pass
        assert len(receiver.posts) == 1
        store = Store(tmp_path / "store.db")
        d = schema.alert_deliveries
        with store.read() as connection:
            row = connection.execute(sa.select(d)).one()
        assert (row.status, row.attempts) == ("pending", 1) and "HTTP 500" in row.last_error
        with store.write() as connection:  # as if the backoff had passed
            connection.execute(d.update().values(next_attempt_at=row.created_at))
        code, out, _ = run(tmp_path, "alerts", "deliver")
        assert "1 sent" in out
        assert len(receiver.posts) == 2
        first, second = (json.loads(body) for _, body in receiver.posts)
        assert first["delivery_id"] == second["delivery_id"]  # receivers can drop duplicates
        store.close()


def test_a_webhook_to_a_loopback_address_needs_allow_private(tmp_path: Path) -> None:
    """The fetcher's address guard covers webhooks: no POST into the server's own network."""
    with FixtureSite() as site, Receiver() as receiver:
        feed = site.base_url + OUTLETS[0].feed_path
        added = run(
            tmp_path, "sources", "add", feed, "--allow-private", "--first-interval", "0.0001"
        )
        assert added[0] == 0
        assert run(tmp_path, "alerts", "add", "webhook", receiver.url)[0] == 0
        code, out, _ = run(tmp_path, "alerts", "list", "--json")
        assert json.loads(out.splitlines()[0])["allow_private"] is False
        assert run(tmp_path, "watch", "--once")[0] == 0
        site.advance()
        code, _, err = run(tmp_path, "watch", "--once")
        assert code == 0, err  # a refused receiver fails no pass
        assert receiver.posts == []
        code, out, _ = run(tmp_path, "alerts", "log", "--json")
        (delivery,) = (json.loads(line) for line in out.splitlines())
        assert delivery["status"] == "pending"
        assert "refusing loopback address" in delivery["last_error"]


def test_pass_summary_logs_in_json_and_quiet_hides_it(tmp_path: Path) -> None:
    with FixtureSite() as site:
        feed = site.base_url + OUTLETS[1].feed_path
        assert run(tmp_path, "sources", "add", feed, "--allow-private")[0] == 0
        code, _, err = run(tmp_path, "--log-format", "json", "watch", "--once")
        assert code == 0
        records = [json.loads(line) for line in err.splitlines()]
        summary = next(r for r in records if r["message"].startswith("pass: "))
        assert summary["level"] == "info" and summary["logger"] == "newstrail.jobs.watch"
        assert summary["feeds_polled"] == 1 and summary["succeeded"] is True
        assert {"ts", "checks", "outcomes", "errors", "suspects", "seconds"} <= summary.keys()
        # -q after the command: a successful pass prints nothing (cron mails nothing).
        code, out, err = run(tmp_path, "watch", "--once", "--force", "-q")
        assert (code, out, err) == (0, "", "")


def test_force_polls_every_feed_now(tmp_path: Path) -> None:
    with FixtureSite() as site:
        feed = site.base_url + OUTLETS[0].feed_path
        run(tmp_path, "sources", "add", feed, "--allow-private")
        assert "1 feed polled" in run(tmp_path, "watch", "--once")[2]
        assert "0 feeds polled" in run(tmp_path, "watch", "--once")[2]  # not due for 15 min
        _, _, err = run(tmp_path, "watch", "--once", "--force")
        assert "forced: 1 feed" in err and "1 feed polled" in err


def test_sources_import_reports_every_entry_once(tmp_path: Path) -> None:
    with FixtureSite() as site:
        base = site.base_url
        listing = tmp_path / "feeds.txt"
        listing.write_text(
            "# the desk's list\n"
            f"{base}/republic/rss.xml Republic World\n"
            f"{base}/wion/atom.xml\n"
            "not a url\n"
            f"{base}/republic/rss.xml\n"
            f"{base}/no-such-feed.xml\n"
            f"{base}/scmp/sitemap.xml\n"
        )
        code, out, _ = run(tmp_path, "sources", "import", str(listing), "--allow-private")
        lines = out.splitlines()
        assert code == 0
        assert sorted(line.split()[0] for line in lines) == [
            "added", "added", "added", "refused", "refused", "skipped"
        ]  # fmt: skip
        assert any("HTTP 404" in line for line in lines)
        assert any("listed twice" in line for line in lines)
        # Again: everything is already watched; nothing is fetched twice.
        code, out, _ = run(tmp_path, "sources", "import", str(listing), "--allow-private")
        assert out.count("already watched") == 4 and code == 0  # the twice-listed one too

        toml = tmp_path / "sources.toml"
        toml.write_text(
            f'[[sources]]\nurl = "{base}/rt/sitemap_index.xml"\nname = "RT"\n'
            'allow_private = true\nuser_agent = "newstrail (desk@example.org)"\n'
            'exclude = ["/live/"]\nfeed_interval_minutes = 5\n'
            '[[sources]]\nurl = "https://example.org/feed"\nfeed_interval_minutes = -1\n'
        )
        code, out, _ = run(tmp_path, "sources", "import", str(toml))
        assert "added    " in out and "sitemapindex for RT" in out
        assert "refused  https://example.org/feed: source 2: feed_interval_minutes" in out
        code, out, _ = run(tmp_path, "sources", "list", "--json")
        rt = next(json.loads(x) for x in out.splitlines() if "/rt/" in x)
        assert rt["outlet"] == "RT"
        assert rt["options"] == {
            "allow_private": True,
            "user_agent": "newstrail (desk@example.org)",
            "exclude": ["/live/"],
            "feed_interval_minutes": 5,
        }
        run(tmp_path, "watch", "--once")
        agents = {r.user_agent for r in site.requests_for("/rt/sitemap_index.xml")}
        assert "newstrail (desk@example.org)" in agents


def test_nothing_usable_in_an_import_is_a_failure(tmp_path: Path) -> None:
    listing = tmp_path / "feeds.txt"
    listing.write_text("ftp://example.org/feed\nnot a url\n")
    code, out, _ = run(tmp_path, "sources", "import", str(listing))
    assert code == 1 and out.count("refused") == 2
    bad = tmp_path / "bad.opml"
    bad.write_text("<opml><body><outline xmlUrl='x'></body>")
    code, _, err = run(tmp_path, "sources", "import", str(bad))
    assert code == 2 and err.startswith("newstrail: ") and "not well-formed OPML" in err


def test_healthz_and_metrics_answer_from_the_store(tmp_path: Path) -> None:
    with FixtureSite() as site:
        run(tmp_path, "sources", "add", site.base_url + OUTLETS[0].feed_path, "--allow-private")
        assert run(tmp_path, "watch", "--once")[0] == 0
    store = Store(tmp_path / "store.db")

    async def get(path: str) -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(store, Settings()))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.get(path)

    health = asyncio.run(get("/healthz"))
    assert health.status_code == 200
    body = health.json()
    assert body["status"] == "ok" and body["watcher"] == "ok"
    assert body["backlog"]["due_feeds"] == 0 and body["watchers"][0]["passes"] == 1
    assert asyncio.run(get("/healthz?require=watcher")).status_code == 200

    metrics = asyncio.run(get("/metrics"))
    assert metrics.status_code == 200 and metrics.headers["content-type"].startswith("text/plain")
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(metrics.text)
        for s in family.samples
    }
    assert samples[("newstrail_checks_total", (("outcome", "new"),))] == 1
    assert samples[("newstrail_polls_total", ())] == 1
    assert samples[("newstrail_articles", (("state", "active"),))] == 1
    assert samples[("newstrail_versions", ())] == 1
    assert samples[("newstrail_watch_pass_seconds_total", ())] > 0

    with store.write() as connection:  # the store loses its tables: unreachable
        connection.execute(sa.text("DROP TABLE watchers"))
    assert asyncio.run(get("/healthz")).status_code == 503
    assert asyncio.run(get("/metrics")).status_code == 503
    store.close()
