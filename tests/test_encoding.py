"""Decoding pages and text files: BOM, declarations, detection, broken bytes."""

from __future__ import annotations

import codecs

import pytest

from newstrail.text.encoding import decode_html, decode_text_file

CURLY = "“Quoted” – it’s café time…"
JAPANESE = "東京都は新しい計画を発表した。市民の反応はさまざまだった。"
CHINESE = "北京市政府今天宣布了新的交通计划，市民反应不一。"


def _page(body: str, head: str = "") -> str:
    return f"<html><head>{head}<title>t</title></head><body><p>{body}</p></body></html>"


def test_cp1252_declared_in_meta() -> None:
    data = _page(CURLY, '<meta charset="windows-1252">').encode("cp1252")
    assert CURLY in decode_html(data)


def test_latin1_label_is_read_as_cp1252_like_browsers() -> None:
    data = _page(CURLY, '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">')
    assert CURLY in decode_html(data.encode("cp1252"))


def test_http_charset_beats_meta() -> None:
    data = _page(JAPANESE, '<meta charset="utf-8">').encode("shift_jis")
    assert JAPANESE in decode_html(data, declared_charset="Shift_JIS")


def test_shift_jis_declared_in_meta() -> None:
    data = _page(JAPANESE, '<meta charset="shift_jis">').encode("shift_jis")
    assert JAPANESE in decode_html(data)


def test_gb2312_declared_in_meta() -> None:
    data = _page(CHINESE, '<meta charset="gb2312">').encode("gb2312")
    assert CHINESE in decode_html(data)


def test_wrong_declaration_falls_back_to_detection() -> None:
    # Declared UTF-8 but really cp1252: the declaration fails to decode, detection wins.
    body = " ".join([CURLY] * 20)
    data = _page(body, '<meta charset="utf-8">').encode("cp1252")
    assert CURLY in decode_html(data)


def test_undeclared_shift_jis_is_detected() -> None:
    data = _page(" ".join([JAPANESE] * 5)).encode("shift_jis")
    assert JAPANESE in decode_html(data)


@pytest.mark.parametrize(
    ("bom", "codec"),
    [
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ],
)
def test_byte_order_mark_wins(bom: bytes, codec: str) -> None:
    data = bom + _page(CURLY, '<meta charset="windows-1252">').encode(codec)
    text = decode_html(data)
    assert CURLY in text
    assert not text.startswith("\ufeff")


def test_broken_bytes_never_raise() -> None:
    data = _page("good text ").encode("utf-8") + b"\xff\xfe\x80\x81 trailing" + bytes(range(256))
    text = decode_html(data, declared_charset="utf-8")
    assert "good text" in text
    assert isinstance(decode_html(b"\x80" * 10, declared_charset="no-such-charset"), str)


def test_text_file_utf8_and_cp1252() -> None:
    assert decode_text_file(CURLY.encode("utf-8")) == CURLY
    assert decode_text_file(codecs.BOM_UTF8 + CURLY.encode("utf-8")) == CURLY
    paragraph = " ".join([CURLY] * 10)
    assert decode_text_file(paragraph.encode("cp1252")) == paragraph
