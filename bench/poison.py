"""Poison pills: the time and peak memory one hostile input costs, and what it costs the rest.

Each case writes one hostile input, then runs ``python -m newstrail import`` on
it in a child process, as a user would, under a wall-clock limit and an
address-space cap (so a case that would eat the machine is stopped, and says
so). For each case the table gives the exit status, wall seconds, the child's
peak resident memory (``wait4``'s ``ru_maxrss``), its stderr's first line and
whether that was a traceback. The ``after`` column imports one small good page
into the same store afterwards: a poison pill must not slow the next command.

Cases (each from a black-box probe of the importer):

- ``huge-jsonl``: one JSON Lines article of 1.2 million characters;
- ``newssniffer-long-line``: a NewsSniffer page whose text is one 100 KB line;
- ``many-attributes``: an HTML page whose body has 200,000 attributes;
- ``deep-nesting``: an HTML page nested 100,000 elements deep;
- ``dev-zero``: a ``.html`` path that is a symlink to ``/dev/zero``;
- ``fifo``: a ``.html`` path that is a named pipe no one writes to;
- ``warc-gzip-bomb``: a ``.warc.gz`` whose one member inflates to 2 GB of zeros;
- ``jsonl-gzip-truncated``: a ``.jsonl.gz`` cut off half way.

Run: ``.venv/bin/python -m bench.poison`` (about a minute when bounded;
``--timeout`` sets the per-case limit, default 60 s). Writes
``bench/results/poison.json``; ``--label before`` writes
``bench/results/poison-before.json`` instead, to keep a run on older code.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench._common import RESULTS_DIR, ROOT, BenchRun

MEMORY_CAP = 4 * 1024**3  # address space per child; spaCy and lxml map ~1.2 GB at start


def _varied_text(characters: int) -> str:
    """Prose-like paragraphs, none repeated (repeats would be cleaned away as boilerplate)."""
    names = ["Ana Silva", "the mayor", "Mr Okafor", "the council", "a spokesperson", "Dr Lee"]
    places = ["the valley road", "the river bank", "the old bridge", "the school", "the port"]
    paragraphs, length, i = [], 0, 0
    while length < characters:
        sentences = [
            f'"We will reopen {places[(i + j) % 5]} by day {i * 7 + j}," said '
            f"{names[(i * 3 + j) % 6]}, adding that {i + j * 13} residents had been moved."
            for j in range(4)
        ]
        paragraph = " ".join(sentences)
        paragraphs.append(paragraph)
        length += len(paragraph) + 2
        i += 1
    return "\n\n".join(paragraphs)[:characters]


def _huge_jsonl(folder: Path) -> Path:
    path = folder / "huge.jsonl"
    text = _varied_text(1_200_000)
    record = {"url": "https://example.org/huge", "title": "Huge", "text": text}
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    return path


def _newssniffer_long_line(folder: Path) -> Path:
    path = folder / "sniffer.txt"
    words = [f"word{i % 997}" for i in range(12_000)]
    half = " ".join(words)[:50_000]
    line = f"{half} {half}"  # one side-by-side line of 100 KB: old and new paragraph
    path.write_text(
        "This article is from the source 'BBC News' and was first published or seen on\n"
        "Version 1 Version 2\nTitle one Title two\n"
        f"{line}\n",
        encoding="utf-8",
    )
    return path


def _many_attributes(folder: Path) -> Path:
    path = folder / "attributes.html"
    attributes = " ".join(f'data-a{i}="{i}"' for i in range(200_000))
    path.write_text(
        f"<html><head><title>Many</title></head><body {attributes}>"
        "<article><p>" + "A sentence about the road. " * 40 + "</p></article></body></html>",
        encoding="utf-8",
    )
    return path


def _deep_nesting(folder: Path) -> Path:
    path = folder / "deep.html"
    depth = 100_000
    path.write_text(
        "<html><body>" + "<div>" * depth + "<p>Deep text about the road.</p>" + "</div>" * depth,
        encoding="utf-8",
    )
    return path


def _dev_zero(folder: Path) -> Path:
    path = folder / "zero.html"
    path.symlink_to("/dev/zero")
    return path


def _fifo(folder: Path) -> Path:
    path = folder / "pipe.html"
    os.mkfifo(path)
    return path


def _warc_gzip_bomb(folder: Path) -> Path:
    path = folder / "bomb.warc.gz"
    header = (
        b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: https://example.org/bomb\r\n"
        b"WARC-Date: 2024-01-01T00:00:00Z\r\nContent-Type: application/http; msgtype=response\r\n"
        b"Content-Length: 2000000100\r\n\r\n"
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n"
    )
    compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    chunk = b"\0" * (1 << 20)
    with path.open("wb") as out:
        out.write(compressor.compress(header))
        for _ in range(2000):
            out.write(compressor.compress(chunk))
        out.write(compressor.flush())
    return path


def _jsonl_gzip_truncated(folder: Path) -> Path:
    path = folder / "cut.jsonl.gz"
    lines = "".join(
        json.dumps({"url": f"https://example.org/{i}", "title": "T", "text": "Words. " * 200})
        + "\n"
        for i in range(20)
    )
    data = gzip.compress(lines.encode("utf-8"))
    path.write_bytes(data[: len(data) // 2])
    return path


CASES: dict[str, Callable[[Path], Path]] = {
    "huge-jsonl": _huge_jsonl,
    "newssniffer-long-line": _newssniffer_long_line,
    "many-attributes": _many_attributes,
    "deep-nesting": _deep_nesting,
    "dev-zero": _dev_zero,
    "fifo": _fifo,
    "warc-gzip-bomb": _warc_gzip_bomb,
    "jsonl-gzip-truncated": _jsonl_gzip_truncated,
}


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))
    os.setsid()


def run_import(db: Path, path: Path, timeout: float) -> dict[str, Any]:
    """``newstrail import PATH`` in a child: exit status, wall s, peak MiB, first stderr line."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    command = [sys.executable, "-m", "newstrail", "--db", str(db), "import", str(path)]
    started = time.perf_counter()
    with tempfile.TemporaryFile() as stderr:
        child = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
            preexec_fn=_limit_memory,
            env=environment,
        )
        killed = False
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline and not killed:
                os.killpg(child.pid, signal.SIGKILL)
                killed = True
            time.sleep(0.05)
        child.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        stderr.seek(0)
        err = stderr.read().decode("utf-8", "replace")
    lines = err.strip().splitlines()
    return {
        "exit": "killed (timeout)" if killed else child.returncode,
        "seconds": round(wall, 2),
        "peak_mib": round(usage.ru_maxrss / 1024, 1),
        "traceback": "Traceback" in err,
        "stderr_lines": len(lines),
        "message": (lines[-1] if "Traceback" in err else lines[0])[:160] if lines else "",
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per case")
    parser.add_argument("--label", default="", help="results go to poison-LABEL.json")
    parser.add_argument("--case", action="append", help="run only these cases")
    args = parser.parse_args(argv)
    run = BenchRun("poison" + (f"-{args.label}" if args.label else ""))
    run.print_header()
    results: dict[str, Any] = {}
    print(f"{'case':<24}{'exit':>18}{'s':>8}{'MiB':>8}  {'after s':>8}  message")
    for name, make in CASES.items():
        if args.case and name not in args.case:
            continue
        with tempfile.TemporaryDirectory() as folder:
            where = Path(folder)
            (where / "in").mkdir()
            path = make(where / "in")
            db = where / "store.db"
            outcome = run_import(db, path, args.timeout)
            page = where / "good.html"
            page.write_text(_GOOD_PAGE, encoding="utf-8")
            after = run_import(db, page, args.timeout)
            outcome["after_seconds"] = after["seconds"]
            outcome["after_exit"] = after["exit"]
        results[name] = outcome
        flag = " [TRACEBACK]" if outcome["traceback"] else ""
        print(
            f"{name:<24}{outcome['exit']!s:>18}{outcome['seconds']:>8.1f}"
            f"{outcome['peak_mib']:>8.0f}  {outcome['after_seconds']:>8.1f}  "
            f"{outcome['message'][:70]}{flag}"
        )
    run.write(
        {"timeout_s": args.timeout, "memory_cap_bytes": MEMORY_CAP, "cases": results},
        RESULTS_DIR / f"{run.name}.json",
    )


_GOOD_PAGE = (
    "<html><head><title>Floods close the valley road</title></head><body><article>"
    "<h1>Floods close the valley road</h1>"
    + "<p>The valley road was closed on Tuesday after heavy rain flooded it, the council said.</p>"
    * 5
    + "</article></body></html>"
)

if __name__ == "__main__":
    main()
