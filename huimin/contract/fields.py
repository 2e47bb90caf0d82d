"""Building blocks of the data contract: a field (:class:`FieldSpec`) and a dataset
(:class:`Dataset`), plain data with no pandera in sight.

A family module declares each dataset as a :class:`Dataset` whose fields are class attributes
made with the factories below (``IdNumber("公民身份号码")``, ``Yuan("发放金额（元）")`` ...); the
attribute's name is the field's canonical name. The pandera models of ``huimin.schemas`` are
built from these declarations and add the checks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar

import polars as pl

from huimin.parsing import DTYPES


@dataclass(frozen=True)
class FieldSpec:
    """What the contract says of one field."""

    name: str
    kind: str
    zh: str
    optional: bool = False
    values: tuple[str, ...] = ()
    description: str = ""
    minimum: float | None = None
    maximum: float | None = None
    not_future: bool = False


class Dataset:
    """A dataset of the data contract. Subclasses set the ClassVars and declare fields."""

    __dataset__: ClassVar[str] = ""
    __family__: ClassVar[str] = ""  # "registry", "roster" or "clues"
    __title_zh__: ClassVar[str] = ""
    __roster_project__: ClassVar[str | None] = None
    __roster_department__: ClassVar[str | None] = None
    #: fields that say who a row is about (used for duplicate detection and masking)
    __subject_field__: ClassVar[str | None] = "id_number"
    #: columns holding areas get the 2-decimal check as amounts do
    __area_fields__: ClassVar[tuple[str, ...]] = ()
    #: the fields in declaration order, those a subclass inherits first
    __contract_fields__: ClassVar[tuple[FieldSpec, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        fields = {spec.name: spec for spec in cls.__contract_fields__}
        for name, value in list(vars(cls).items()):
            if isinstance(value, FieldSpec):
                fields[name] = replace(value, name=name)
                setattr(cls, name, fields[name])
        cls.__contract_fields__ = tuple(fields.values())

    @classmethod
    def field_specs(cls) -> list[FieldSpec]:
        """The contract fields of this dataset, in declaration order."""
        return list(cls.__contract_fields__)

    @classmethod
    def required_fields(cls) -> list[str]:
        return [f.name for f in cls.__contract_fields__ if not f.optional]

    @classmethod
    def aliases(cls) -> dict[str, str]:
        """Accepted header → canonical field name (canonical names and Chinese headers)."""
        out: dict[str, str] = {}
        for spec in cls.__contract_fields__:
            out[spec.name] = spec.name
            out[spec.zh] = spec.name
        return out

    @classmethod
    def polars_schema(cls) -> pl.Schema:
        return pl.Schema({f.name: DTYPES[f.kind] for f in cls.__contract_fields__})


def _field(kind: str, zh: str, optional: bool, description: str, **kw: Any) -> FieldSpec:
    """A field whose name the :class:`Dataset` it is declared in sets."""
    return FieldSpec(name="", kind=kind, zh=zh, optional=optional, description=description, **kw)


def IdNumber(zh: str, *, optional: bool = False, description: str = "") -> FieldSpec:  # noqa: N802
    return _field("id_number", zh, optional, description)


def Text(zh: str, *, optional: bool = False, description: str = "") -> FieldSpec:  # noqa: N802
    return _field("text", zh, optional, description)


def Enum(  # noqa: N802
    zh: str, values: Sequence[str], *, optional: bool = False, description: str = ""
) -> FieldSpec:
    return _field("enum", zh, optional, description, values=tuple(values))


def Date(  # noqa: N802
    zh: str, *, optional: bool = False, not_future: bool = False, description: str = ""
) -> FieldSpec:
    """A calendar date; ``not_future`` for dates that cannot lie after the as-of date."""
    return _field("date", zh, optional, description, not_future=not_future)


def Month(zh: str, *, optional: bool = False, description: str = "") -> FieldSpec:  # noqa: N802
    return _field("month", zh, optional, description)


def Year(zh: str, *, optional: bool = False, description: str = "") -> FieldSpec:  # noqa: N802
    return _field("year", zh, optional, description)


def Yuan(zh: str, *, optional: bool = False, description: str = "") -> FieldSpec:  # noqa: N802
    return _field("yuan", zh, optional, description)


def Area(zh: str, *, optional: bool = False, description: str = "") -> FieldSpec:  # noqa: N802
    """An area (亩 or 平方米): a float, non-negative, at most 2 decimals (list it in the
    dataset's ``__area_fields__``)."""
    return _field("float", zh, optional, description, minimum=0)


def Float(  # noqa: N802
    zh: str, *, optional: bool = False, ge: float | None = 0, description: str = ""
) -> FieldSpec:
    return _field("float", zh, optional, description, minimum=ge)


def Int(  # noqa: N802
    zh: str,
    *,
    optional: bool = False,
    ge: int | None = None,
    le: int | None = None,
    description: str = "",
) -> FieldSpec:
    return _field("int", zh, optional, description, minimum=ge, maximum=le)


def Bool(zh: str, *, optional: bool = False, description: str = "") -> FieldSpec:  # noqa: N802
    return _field("bool", zh, optional, description)
