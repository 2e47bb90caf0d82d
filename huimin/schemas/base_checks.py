"""Dataframe-level checks shared by several datasets (duplicates, household consistency)."""

from __future__ import annotations

import polars as pl


def first_occurrence(columns: list[str]) -> pl.Expr:
    """True for the first row of each set of identical rows (in file order)."""
    return pl.struct(columns).is_first_distinct()


def household_size_consistent(household: str, period: str, size: str, member: str) -> pl.Expr:
    """True where a household's stated size equals its members listed for the period."""
    keys = [household, period]
    listed = pl.col(member).n_unique().over(keys)
    one_size = pl.col(size).n_unique().over(keys) == 1
    return one_size & (pl.col(size) == listed)
