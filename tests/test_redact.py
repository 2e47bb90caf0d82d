"""Redaction: ID numbers and bank accounts never reach the console, logs or other masked outputs."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import string
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.table import Table

from huimin import idnumber
from huimin.redact import (
    RedactingFilter,
    RedactingWriter,
    find_full_ids,
    install_log_redaction,
    mask_account,
    mask_id,
    mask_phone,
    redact,
    redact_obj,
)

PERSON = idnumber.make_id("420112", dt.date(1990, 1, 1), 1)
PERSON_X = "42011219900101123X"
OLD = "420112900101123"  # 15 digits: region, YYMMDD, sequence
FOREIGNER = idnumber.make_id("911100", dt.date(1985, 6, 30), 12)
CARD = "6217000012345678"


# -- mask_id, redact ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("420112199001010014", "420112********0014"),
        ("42011219900101123x", "420112********123x"),
        (PERSON_X, "420112********123X"),
        (OLD, "420112********123"),
        (FOREIGNER, f"911100********{FOREIGNER[-4:]}"),
        ("420112 19900101 0014", "420112********0014"),
        ("123", "****"),
    ],
)
def test_mask_id(value: str, masked: str) -> None:
    assert mask_id(value) == masked


def test_mask_id_agrees_with_the_polars_mask() -> None:
    assert mask_id(PERSON) == idnumber.mask_text(PERSON)


def test_mask_phone() -> None:
    assert mask_phone("13812345678") == "138****5678"


def test_mask_account_keeps_only_the_last_four_digits() -> None:
    assert mask_account(CARD) == "************5678"
    assert mask_account("6217 0000 1234 5678") == "**** **** **** 5678"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"身份证{PERSON}号", f"身份证{mask_id(PERSON)}号"),
        (f"id={PERSON_X}.", "id=420112********123X."),
        (f"ID{PERSON}", f"ID{mask_id(PERSON)}"),  # glued to letters: still masked
        (f"\x1b[1;36m{PERSON}\x1b[0m", f"\x1b[1;36m{mask_id(PERSON)}\x1b[0m"),
        (f"old {OLD} id", "old 420112********123 id"),
        (f"{FOREIGNER}", mask_id(FOREIGNER)),
        ("420112 19900101 0014", "420112********0014"),
        (f"卡号{CARD}", "卡号************5678"),
        ("卡号 6217 0000 1234 5678", "卡号 **** **** **** 5678"),
        ("6217-0000-1234-5678-901", "****-****-****-***8-901"),
        ("621700-0012345678901", "******-*********8901"),
        ("123456789012", "********9012"),  # 12 digits: an account
        ("手机13812345678。", "手机138****5678。"),
        (PERSON + PERSON, mask_account(PERSON + PERSON)),  # two IDs pasted together
    ],
)
def test_redact_masks(text: str, expected: str) -> None:
    assert redact(text) == expected
    assert find_full_ids(redact(text)) == []


@pytest.mark.parametrize(
    "text",
    [
        hashlib.sha256(b"dibao").hexdigest(),
        "sha256: " + hashlib.sha256(b"x").hexdigest(),
        hashlib.md5(b"x").hexdigest(),
        str(uuid.UUID(int=123456789012)),  # a UUID whose last group is all digits
        "20230501",
        "2023-05",
        "2023-05-01T12:30:45.123456+08:00",
        "amount 1234567.89, rows 12,345,678 of 99999999999",
        "rate 0.009900990099009901 and 1.2345678901234567e-05",
        "2021 2022 2023",
        "12345678901 bytes",  # 11 digits, not a mobile number
        "420112********0014",
        "**** **** **** 5678",
        "",
        "no digits at all: 姓名 张三",
    ],
)
def test_redact_leaves_alone(text: str) -> None:
    assert redact(text) == text


def test_a_valid_id_after_a_decimal_point_is_still_masked() -> None:
    assert redact(f"1.{PERSON}") == f"1.{mask_id(PERSON)}"
    assert find_full_ids(f"1.{PERSON}") == [PERSON]


def test_find_full_ids() -> None:
    text = (
        f"a {PERSON} b {PERSON_X}, {OLD}; 420112 19900101 0014; {mask_id(PERSON)} "
        f"{hashlib.sha256(b'x').hexdigest()} 0.009900990099009901 {CARD} 000000000000000000"
    )
    assert find_full_ids(text) == [PERSON, PERSON_X, OLD, "420112 19900101 0014"]


def test_redact_obj_walks_keys_values_and_containers() -> None:
    obj = {
        PERSON: [f"x {PERSON_X}", (CARD, 3), {OLD}],
        "count": 12,
        "big": int(PERSON),
        "ok": True,
        "path": Path(f"/in/{PERSON}.xlsx"),
        "none": None,
        "rate": 0.5,
    }
    out = redact_obj(obj)
    assert find_full_ids(json.dumps(out, default=str)) == []
    assert CARD not in json.dumps(out, default=str)
    assert out["count"] == 12
    assert out["ok"] is True
    assert out["big"] == mask_id(PERSON)
    assert out["path"] == Path(f"/in/{mask_id(PERSON)}.xlsx")
    assert out[mask_id(PERSON)][1] == ("************5678", 3)


# -- properties ----------------------------------------------------------------------------

TEXT = st.text(alphabet=string.ascii_letters + string.digits + " .,:-=/\n\t姓名号码", max_size=40)


@st.composite
def valid_ids(draw: st.DrawFn) -> str:
    region = draw(st.sampled_from(["420112", "110105", "911100", "810000", "532901"]))
    born = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2023, 12, 31)))
    value = idnumber.make_id(region, born, draw(st.integers(0, 999)))
    return value.lower() if draw(st.booleans()) else value


@settings(max_examples=300, deadline=None)
@given(before=TEXT, person=valid_ids(), after=TEXT)
def test_no_id_survives_in_any_text(before: str, person: str, after: str) -> None:
    out = redact(before + person + after)
    assert person not in out
    assert person.upper() not in out.upper()
    assert find_full_ids(out) == []


@settings(max_examples=300, deadline=None)
@given(text=TEXT, person=valid_ids(), sep=st.sampled_from(["", " ", "\n", "|", "，"]))
def test_redact_is_idempotent(text: str, person: str, sep: str) -> None:
    once = redact(text + sep + person + sep + text)
    assert redact(once) == once


@settings(max_examples=200, deadline=None)
@given(
    data=st.binary(max_size=64),
    day=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)),
    amount=st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False),
    rows=st.integers(0, 10**10 - 1),  # up to 10 digits: 11 may be a phone, 12 an account
)
def test_digests_dates_and_amounts_pass_unchanged(
    data: bytes, day: dt.date, amount: object, rows: int
) -> None:
    text = (
        f"sha256 {hashlib.sha256(data).hexdigest()} on {day.isoformat()} ({day:%Y%m%d}, "
        f"{day:%Y-%m}) amount {amount} rows {rows} / {rows:,}"
    )
    assert redact(text) == text


# -- streams -------------------------------------------------------------------------------


def test_writer_masks_pieces_written_separately() -> None:
    sink = io.StringIO()
    writer = RedactingWriter(sink)
    for piece in (PERSON[:5], PERSON[5:12], PERSON[12:], " tail"):
        writer.write(piece)
    assert sink.getvalue() == ""  # held until the line ends or a flush
    writer.write("\nnext ")
    assert sink.getvalue() == f"{mask_id(PERSON)} tail\n"
    writer.write(CARD)
    writer.flush()
    assert sink.getvalue().endswith("next ************5678")
    writer.close()
    assert not sink.closed


def test_writer_passes_a_very_long_line_on_without_splitting_a_number() -> None:
    sink = io.StringIO()
    writer = RedactingWriter(sink)
    writer.write("x" * 70_000 + " " + PERSON[:10])
    assert sink.getvalue() == "x" * 70_000
    writer.write(PERSON[10:] + "\n")
    assert sink.getvalue().endswith(mask_id(PERSON) + "\n")


def test_writer_delegates_terminal_properties(tmp_path: Path) -> None:
    with (tmp_path / "out.txt").open("w", encoding="utf-8") as handle:
        writer = RedactingWriter(handle)
        assert writer.fileno() == handle.fileno()
        assert writer.isatty() is False
        assert writer.encoding == "utf-8"
        assert writer.writable()
        assert writer.name == handle.name


def test_writer_of_none_follows_the_current_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    writer = RedactingWriter(None)
    console = Console(file=writer, width=80)
    console.print(f"id {PERSON}")
    print(f"out {CARD}", file=RedactingWriter(None, stdout=True), flush=True)
    captured = capsys.readouterr()
    assert captured.err == f"id {mask_id(PERSON)}\n"
    assert captured.out == "out ************5678\n"
    assert writer.wrapped is sys.stderr


def test_rich_console_never_prints_a_full_id() -> None:
    sink = io.StringIO()
    console = Console(file=RedactingWriter(sink), width=120, force_terminal=True)
    table = Table("身份证号码", "姓名", "账号")
    table.add_row(PERSON, "张三", "6217 0000 1234 5678")
    table.add_row(PERSON_X, "李四", CARD)
    console.print(table)
    console.print(f"found {PERSON} and {OLD}", PERSON_X)  # highlighted numbers, too
    console.log({"id": PERSON, "account": CARD})
    console.file.flush()
    out = sink.getvalue()
    assert mask_id(PERSON) in out
    assert find_full_ids(out) == []
    assert CARD not in out
    assert "1234 5678" not in out


# -- logging -------------------------------------------------------------------------------


@pytest.fixture
def clean_logging() -> Iterator[None]:
    factory = logging.getLogRecordFactory()
    yield
    logging.setLogRecordFactory(factory)
    for logger in [logging.getLogger(), *logging.root.manager.loggerDict.values()]:
        if isinstance(logger, logging.Logger):
            for handler in logger.handlers:
                for item in list(handler.filters):
                    if isinstance(item, RedactingFilter):
                        handler.removeFilter(item)


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.mark.usefixtures("clean_logging")
def test_log_records_are_masked_everywhere() -> None:
    install_log_redaction()
    install_log_redaction()  # idempotent
    capture = _Capture()
    for name in ("huimin.test", "prefect.flow_runs"):
        logger = logging.getLogger(name)
        logger.addHandler(capture)  # a handler added after installing
        logger.propagate = False
        try:
            logger.warning("row %s: id %s account %s", 7, PERSON, CARD)
            logger.warning(f"f-string {PERSON_X}")
            logger.warning({"id": OLD})
            logger.warning("fine %d rows", 12)
            try:
                raise ValueError(f"bad ID {PERSON}")
            except ValueError:
                logger.exception("failed on %s", PERSON)
            logger.warning("stack", stack_info=True, extra={"x": PERSON})
        finally:
            logger.removeHandler(capture)
            logger.propagate = True
    text = "\n".join(capture.lines)
    assert find_full_ids(text) == []
    assert CARD not in text
    assert "fine 12 rows" in text
    assert "ValueError: bad ID 420112********" in text  # the traceback stays, masked
    assert "row 7: id 420112********" in text


@pytest.mark.usefixtures("clean_logging")
def test_records_built_without_the_factory_are_masked_by_the_handler_filter() -> None:
    root = logging.getLogger()
    capture = _Capture()
    root.addHandler(capture)
    try:
        install_log_redaction()
        assert any(isinstance(f, RedactingFilter) for f in capture.filters)
        record = logging.makeLogRecord(
            {"msg": "id %s", "args": (PERSON,), "levelno": 30, "levelname": "WARNING"}
        )
        root.handle(record)
    finally:
        root.removeHandler(capture)
    assert capture.lines == [f"WARNING id {mask_id(PERSON)}"]


@pytest.mark.usefixtures("clean_logging")
def test_a_broken_format_string_is_masked_not_raised() -> None:
    install_log_redaction()
    capture = _Capture()
    logger = logging.getLogger("huimin.test.broken")
    logger.addHandler(capture)
    logger.propagate = False
    try:
        logger.warning("%d rows", PERSON)
    finally:
        logger.removeHandler(capture)
    assert find_full_ids("\n".join(capture.lines)) == []


def test_clue_ids_are_never_masked() -> None:
    """A clue id is a keyed hash: case workers look clues up by it, whatever its digits."""
    text = "线索 HM-1234567890121003 与 HM-ABCDEF0123456789；身份证 420112194001010014"
    assert (
        redact(text) == "线索 HM-1234567890121003 与 HM-ABCDEF0123456789；身份证 420112********0014"
    )


def test_a_15_digit_number_without_a_province_is_not_an_id() -> None:
    """Database files hold 15-digit counters; an old ID starts with a province code."""
    assert find_full_ids("578031370402026") == []
    assert find_full_ids("420112370402026") == ["420112370402026"]
