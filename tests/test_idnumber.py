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


provinces = st.sampled_from(sorted(idnumber.CITIZEN_PROVINCES))
issuing = st.sampled_from(sorted(idnumber.ISSUING_PROVINCES))
not_provinces = st.sampled_from(
    [f"{n:02d}" for n in range(90) if f"{n:02d}" not in idnumber.CITIZEN_PROVINCES]
)
not_issuing = st.sampled_from(
    [f"{n:02d}" for n in range(100) if f"{n:02d}" not in idnumber.ISSUING_PROVINCES]
)


def _vector_province(values: list[str]) -> list[bool]:
    frame = pl.DataFrame({"id": values})
    return frame.select(idnumber.has_valid_province(pl.col("id"))).to_series().to_list()


@given(provinces, st.integers(0, 9999), births, sequences)
def test_every_province_code_is_accepted(province: str, rest: int, born: dt.date, seq: int) -> None:
    value = idnumber.make_id(f"{province}{rest:04d}", born, seq)
    assert idnumber.is_valid(value, AS_OF)
    assert _vector_province([value]) == [True]


@given(not_provinces, st.integers(0, 9999), births, sequences)
def test_a_number_outside_every_province_is_refused(
    code: str, rest: int, born: dt.date, seq: int
) -> None:
    value = idnumber.make_id(f"{code}{rest:04d}", born, seq)
    # the check character is right, the birth date real: only the province code is wrong
    assert idnumber.check_char(value[:17]) == value[17]
    assert not idnumber.is_valid(value, AS_OF)
    assert _vector_province([value]) == [False]
    assert _vector_valid([value]) == [True]  # the other checks alone would let it through


def test_province_codes_named_in_gb_t_2260() -> None:
    for bad in ["00", "10", "20", "90", "99", "24", "30", "38", "40", "47", "55", "60", "66", "70"]:
        assert bad not in idnumber.CITIZEN_PROVINCES
    for good in ["11", "15", "21", "23", "31", "37", "41", "46", "50", "54", "61", "65"]:
        assert good in idnumber.CITIZEN_PROVINCES
    assert {"71", "81", "82"} <= idnumber.CITIZEN_PROVINCES


@given(issuing, st.integers(0, 999), births, sequences)
def test_foreigners_permanent_residence_numbers_are_valid(
    province: str, nationality: int, born: dt.date, seq: int
) -> None:
    value = idnumber.make_foreigner_id(province, f"{nationality:03d}", born, seq)
    assert len(value) == 18 and value[0] == "9"
    assert idnumber.is_valid(value, AS_OF)
    assert _vector_valid([value]) == [True]
    assert _vector_province([value]) == [True]
    frame = pl.DataFrame({"id": [value]}).select(idnumber.birth_date(pl.col("id")))
    assert frame.item() == born


@given(not_issuing, st.integers(0, 999), births, sequences)
def test_a_nine_before_no_province_is_refused(
    code: str, nationality: int, born: dt.date, seq: int
) -> None:
    value = idnumber.make_foreigner_id(code, f"{nationality:03d}", born, seq)
    assert not idnumber.is_valid(value, AS_OF)
    assert _vector_province([value]) == [False]


def test_the_2023_foreigner_number_example() -> None:
    # 9, issued in 北京 (11), nationality 840 (United States), born 1985-06-15
    value = idnumber.make_foreigner_id("11", "840", dt.date(1985, 6, 15), 21)
    assert value[:6] == "911840" and value[6:14] == "19850615"
    assert idnumber.is_valid(value, AS_OF)
    assert not idnumber.is_valid("9" + value[1:17] + ("0" if value[17] != "0" else "1"), AS_OF)
    assert not idnumber.is_valid(idnumber.make_foreigner_id("81", "840", dt.date(1985, 6, 15), 21))
