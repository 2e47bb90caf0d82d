from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from huimin import idnumber

AS_OF = dt.date(2024, 1, 1)
births = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2023, 12, 31))
addresses = st.sampled_from(["420112", "420102", "110105", "440524"])
sequences = st.integers(min_value=0, max_value=999)


def _vector_valid(values: list[str]) -> list[bool]:
    frame = pl.DataFrame({"id": values}).select(idnumber.normalize(pl.col("id")).alias("id"))
    col = pl.col("id")
    ok = idnumber.has_format(col) & idnumber.has_check_char(col)
    ok = ok & idnumber.has_real_birth_date(col, AS_OF)
    return frame.select(ok.fill_null(False)).to_series().to_list()


def test_documented_examples_are_valid() -> None:
    examples = ["11010519491231002X", "440524188001010014", "420112194001010014"]
    assert all(idnumber.is_valid(e) for e in examples)
    assert _vector_valid(examples) == [True, True, True]


@given(addresses, births, sequences)
def test_made_ids_are_valid_scalar_and_vectorised(address: str, born: dt.date, seq: int) -> None:
    value = idnumber.make_id(address, born, seq)
    assert idnumber.is_valid(value, AS_OF)
    assert _vector_valid([value]) == [True]
    assert _vector_valid([value.lower()]) == [True]


@given(addresses, births, sequences, st.integers(min_value=0, max_value=16), st.integers(1, 9))
def test_changing_one_digit_breaks_the_check(
    address: str, born: dt.date, seq: int, position: int, delta: int
) -> None:
    value = idnumber.make_id(address, born, seq)
    digit = (int(value[position]) + delta) % 10
    changed = value[:position] + str(digit) + value[position + 1 :]
    # GB 11643 detects every single-digit error
    assert not idnumber.is_valid(changed, AS_OF)
    assert _vector_valid([changed]) == [False]


def test_full_width_and_spaces_are_normalised() -> None:
    full = "４２０１１２１９４００１０１００１４"
    frame = pl.DataFrame({"id": [full, " 11010519491231002x ", "\u3000420112194001010014"]})
    out = frame.select(idnumber.normalize(pl.col("id"))).to_series().to_list()
    assert out == ["420112194001010014", "11010519491231002X", "420112194001010014"]


def test_future_and_impossible_birth_dates_fail() -> None:
    future = idnumber.make_id("420112", dt.date(2030, 1, 1), 1)
    body = "42011219901345001"
    impossible = body + idnumber.check_char(body)
    assert _vector_valid([future, impossible]) == [False, False]
    assert not idnumber.is_valid(future, AS_OF)
    assert not idnumber.is_valid(impossible, AS_OF)


def test_age_gender_and_mask() -> None:
    value = idnumber.make_id("420112", dt.date(1943, 6, 15), 13)
    frame = pl.DataFrame({"id": [value], "on": [dt.date(2023, 6, 14)]})
    got = frame.select(
        idnumber.age_at(pl.col("id"), pl.col("on")).alias("age"),
        idnumber.gender(pl.col("id")).alias("gender"),
        idnumber.mask(pl.col("id")).alias("masked"),
    ).row(0)
    assert got == (79, "男", value[:6] + "********" + value[-4:])
    assert idnumber.mask_text(value) == got[2]
    assert "19430615" not in got[2]
