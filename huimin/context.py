"""The run context: everything a run judges by, passed explicitly from the command line down.

No module-level state: the date data is judged at, the limits on hostile input and the
datasets a district declares it never sends all travel in one frozen value.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

#: a text cell longer than this is quarantined (names and addresses are far shorter)
MAX_TEXT_CHARS = 1_000
#: an .xlsx whose parts unpack to more than this is refused before it is parsed
XLSX_MAX_UNCOMPRESSED = 2 << 30
#: ... and so is one whose parts unpack to more than this many times their packed size
XLSX_MAX_RATIO = 100.0


@dataclass(frozen=True)
class Limits:
    """Bounds on what one input may cost; configurable, with safe defaults."""

    max_text_chars: int = MAX_TEXT_CHARS
    xlsx_max_uncompressed: int = XLSX_MAX_UNCOMPRESSED
    xlsx_max_ratio: float = XLSX_MAX_RATIO


@dataclass(frozen=True)
class RunContext:
    """What one run judges by: the date, the limits, the datasets declared absent."""

    as_of: dt.date
    limits: Limits = field(default_factory=Limits)
    absent: frozenset[str] = frozenset()
    #: the period one clue covers: the audit year (default) or the month
    check_period: str = "year"
    #: also judge payments against parameter values marked ``example`` (labelled)
    include_examples: bool = False
    #: take over from the previous run what nothing has changed since (see huimin.reuse)
    reuse: bool = True

    @classmethod
    def today(cls) -> RunContext:
        return cls(as_of=dt.date.today())
