"""Redaction: the second line of defence on every output that must not show personal data.

Two classes of output exist. Internal outputs (staged and quarantine data, clue and finding
tables, ``clues.xlsx``, returns to departments, street workbooks, the ledger) keep full ID
numbers and names: case workers need them. Everything else (the console, logs, ``manifest.json``,
Prefect logs and artifacts, validation reports, the HTML clue report, public lists) shows ID
numbers masked and no bank account. Code writing those outputs masks what it knows to be
personal (first line of defence); this module masks whatever still looks personal in the text
it is about to write (second line).

What :func:`redact` masks in a text:

* ID numbers (公民身份号码): 18 characters, 17 digits and a digit or X (also foreigners'
  permanent residence IDs starting with 9, and IDs grouped ``420112 19900101 0014``), and the
  old 15-digit form, become ``420112********0014`` (first 6, 8 stars, last 4, or last 3 of an old
  15-digit one, whose 4th-last is a birth-date digit; see
  :func:`mask_id`);
* bank-account-like digit runs: 12 to 19 digits (and longer runs, such as two IDs pasted
  together), written solid or grouped by single spaces or dashes (``6217 0000 1234 5678``,
  ``621700-0012345678901``): every digit but the last 4 becomes ``*``, separators stay
  (``**** **** **** 5678``). The last 4 let a case worker tell two accounts apart; the number
  itself never appears;
* mobile phone numbers (11 digits, ``1[3-9]`` then 9 digits) become ``138****5678``.

What it leaves alone: hex digests (32 hex characters or more with a letter among them, such as
sha256 values), UUIDs, dates (``20230501``, ``2023-05-01``, ``2023-05``), amounts and row counts
(fewer than 12 digits), and digits after a decimal point (floats such as
``0.009900990099009901``), unless a valid ID number (plausible region, real birth date, correct
check character) hides in the digest or the digits. Digit boundaries are digits only, so an ID
glued to letters, to a terminal colour code (``\x1b[36m420112...``) or to Chinese text is still
masked.

:func:`redact` is idempotent: nothing it leaves behind is masked again.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import PurePath
from typing import Any, TextIO

from huimin.idnumber import OLD_LENGTH, check_char, has_province_code

#: what a masked ID looks like: first 6, 8 stars, last 4
MASK_STARS = "********"

_CHECK = r"[\dXxＸｘ]"
_HEX = r"[0-9A-Fa-f]"
_ALNUM = r"[0-9A-Za-z]"

#: opaque tokens left alone: a sha256/md5-style digest (with at least one letter), a UUID
_OPAQUE = (
    rf"(?<!{_ALNUM})(?=\d*[A-Fa-f]){_HEX}{{32,}}(?!{_ALNUM})"
    rf"|(?<!{_ALNUM}){_HEX}{{8}}(?:-{_HEX}{{4}}){{3}}-{_HEX}{{12}}(?!{_ALNUM})"
)
#: an ID number: 18 characters, solid or grouped 6-8-4 with one kind of separator
_ID18 = rf"\d{{6}}(?P<s18>[ \-]?)\d{{8}}(?P=s18)\d{{3}}{_CHECK}"
_ID15 = r"\d{15}"
#: account numbers: solid runs of 12+ digits, or grouped 4-4-4-4(-1..3) / 6-(6..13)
_ACCOUNT = (
    r"\d{12,}"
    r"|\d{4}(?P<s4>[ \-])\d{4}(?:(?P=s4)\d{4}){2}(?:(?P=s4)\d{1,3})?"
    r"|\d{6}(?P<s6>[ \-])\d{6,13}"
)

#: a mainland mobile phone number
_PHONE = r"1[3-9]\d{9}"

_PATTERN = re.compile(
    rf"(?P<opaque>{_OPAQUE})"
    rf"|(?<!\d)(?:(?P<id18>{_ID18})|(?P<id15>{_ID15})|(?P<account>{_ACCOUNT})"
    rf"|(?P<phone>{_PHONE}))(?!\d)"
)
_FIND = re.compile(rf"(?P<opaque>{_OPAQUE})|(?<!\d)(?:(?P<id18>{_ID18})|(?P<id15>{_ID15}))(?!\d)")
_SEPARATORS = re.compile(r"[ \-]")
_FRACTION_BEFORE = re.compile(r"\d\.\Z")
_DIGITS_IN_TOKEN = re.compile(r"\d{17,}")
_ANY_DIGIT = re.compile(r"\d")


def mask_id(value: str) -> str:
    """Mask an ID number: ``420112199001010014`` → ``420112********0014``.

    The first 6 characters (the region) and the last 4 (end of the sequence and the check
    character) stay; 8 stars replace the rest, whatever the length (18 characters, 15-digit old
    IDs, foreigners' 9-prefixed ones), so the masked form never tells the birth date. Spaces and
    dashes inside are dropped first. A value shorter than 10 characters becomes ``****``. This
    is the same form as :func:`huimin.idnumber.mask`.
    """
    compact = _SEPARATORS.sub("", value.strip())
    if len(compact) == OLD_LENGTH:  # its 4th-last character is a digit of the birth date
        return f"{compact[:6]}{MASK_STARS}{compact[-3:]}"
    return f"{compact[:6]}{MASK_STARS}{compact[-4:]}" if len(compact) >= 10 else "****"


def mask_account(value: str) -> str:
    """Mask a bank account: every digit but the last 4 becomes ``*``; separators stay."""
    digits = sum(c.isdigit() for c in value)
    out = []
    seen = 0
    for char in value:
        if char.isdigit():
            seen += 1
            out.append(char if seen > digits - 4 else "*")
        else:
            out.append(char)
    return "".join(out)


def mask_phone(value: str) -> str:
    """Mask a mobile phone number: ``13812345678`` → ``138****5678``."""
    return f"{value[:3]}****{value[-4:]}" if len(value) >= 8 else "****"


def _real_date(year: int, month: int, day: int) -> bool:
    try:
        born = dt.date(year, month, day)
    except ValueError:
        return False
    return dt.date(1880, 1, 1) <= born <= dt.date(2100, 12, 31)


def looks_like_id(value: str) -> bool:
    """A plausible ID number: region not starting with 0 and a real birth date.

    18 characters (birth date YYYYMMDD at 7–14) or 15 digits (YYMMDD at 7–12, 19YY). The check
    character is not verified: a mistyped ID is still a person's ID.
    """
    compact = _SEPARATORS.sub("", value)
    try:
        if not compact or int(compact[0]) == 0:
            return False
        if len(compact) == 18:
            birth = compact[6:14]
            return _real_date(int(birth[:4]), int(birth[4:6]), int(birth[6:]))
        if len(compact) == 15:
            birth = compact[6:12]
            return _real_date(1900 + int(birth[:2]), int(birth[2:4]), int(birth[4:]))
    except ValueError:
        return False
    return False


def _valid_id18(value: str) -> bool:
    compact = _SEPARATORS.sub("", value)
    if not looks_like_id(compact) or len(compact) != 18:
        return False
    last = compact[17].upper().replace("Ｘ", "X")
    try:
        return check_char(compact[:17]) == (last if last == "X" else str(int(last)))
    except ValueError:
        return False


def _after_decimal_point(match: re.Match[str]) -> bool:
    start = match.start()
    return bool(_FRACTION_BEFORE.search(match.string, max(0, start - 2), start))


def _hides_id(match: re.Match[str]) -> bool:
    """A valid ID number (check character right) among the digits matched, or ending just after."""
    run = _SEPARATORS.sub("", match.group(0))
    following = match.string[match.end() : match.end() + 1]
    if following in ("X", "x", "Ｘ", "ｘ"):
        run += following
    return any(_valid_id18(run[i : i + 18]) for i in range(len(run) - 17))


def _mask_hidden_id(match: re.Match[str]) -> str:
    return mask_account(match.group(0)) if _hides_id(match) else match.group(0)


def _replace(match: re.Match[str]) -> str:
    text = match.group(0)
    if match.group("opaque") is not None:  # a digest, unless a valid ID hides in it
        return _DIGITS_IN_TOKEN.sub(_mask_hidden_id, text)
    if _after_decimal_point(match):  # digits of a float (0.12345678901234567) ...
        if match.group("id18") is not None and _valid_id18(text):
            return mask_id(text)
        return mask_account(text) if _hides_id(match) else text  # ... unless an ID hides in them
    if match.group("id18") is not None:
        return mask_id(text)
    if match.group("id15") is not None:
        return mask_id(text)
    if match.group("phone") is not None:
        return mask_phone(text)
    return mask_account(text)


#: a clue id (a keyed hash, no personal data): never masked, whatever digits it holds
_CLUE_ID = re.compile(r"(?<![0-9A-Za-z])HM-[0-9A-F]{16}(?![0-9A-Za-z])")
_HELD = re.compile("\x00(\\d+)\x00")


def redact(text: str) -> str:
    """Mask every ID number and bank-account-like digit run in ``text`` (see the module doc);
    clue ids (``HM-`` and 16 hexadecimal digits) are left as they are."""
    if not _ANY_DIGIT.search(text):
        return text
    held: list[str] = []

    def hold(match: re.Match[str]) -> str:
        held.append(match.group(0))
        return f"\x00{len(held) - 1}\x00"

    masked = _PATTERN.sub(_replace, _CLUE_ID.sub(hold, text))
    return _HELD.sub(lambda m: held[int(m.group(1))], masked) if held else masked


def find_full_ids(text: str) -> list[str]:
    """Unmasked ID numbers in ``text``: what a leak scan of an output must never find.

    Returns every 18-character ID (solid or grouped 6-8-4; also after a decimal point when its
    check character is right) and every 15-digit old ID with a province code and a real
    birth date (:func:`looks_like_id`), as written in ``text``, in order. Hex digests and UUIDs
    are skipped; a run of more digits than an ID has is not an ID.
    """
    found = []
    for match in _FIND.finditer(text):
        if match.group("opaque") is not None:
            continue
        value = match.group(0)
        if not looks_like_id(value):
            continue
        # an old 15-digit number with no province (GB/T 2260) is some other number (a
        # timestamp or a counter in a database file), not a person's ID
        compact = _SEPARATORS.sub("", value)
        if len(compact) == 15 and not has_province_code(compact):
            continue
        if _after_decimal_point(match) and not (
            match.group("id18") is not None and _valid_id18(value)
        ):
            continue
        found.append(value)
    return found


def redact_obj(obj: Any) -> Any:
    """:func:`redact` over a JSON-like value, recursively: strings, dict keys and values, lists,
    tuples and sets; an integer of 12 digits or more becomes its masked string; paths are
    redacted as text. Other values are returned as they are.
    """
    if isinstance(obj, str):
        return redact(obj)
    if isinstance(obj, dict):
        return {redact_obj(k): redact_obj(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [redact_obj(v) for v in obj]
    if isinstance(obj, tuple):
        return tuple(redact_obj(v) for v in obj)
    if isinstance(obj, set | frozenset):
        return type(obj)(redact_obj(v) for v in obj)
    if isinstance(obj, int) and not isinstance(obj, bool):
        text = str(obj)
        masked = redact(text)
        return obj if masked == text else masked
    if isinstance(obj, PurePath):
        text = str(obj)
        masked = redact(text)
        return obj if masked == text else type(obj)(masked)
    return obj


# -- streams -------------------------------------------------------------------------------

_LINE_END = re.compile(r"[\n\r]")
#: characters that may belong to an ID or account still being written
_TOKEN_TAIL = re.compile(r"[\d \-]*[XxＸｘ]?\Z")
_HOLD_LIMIT = 1 << 16


class RedactingWriter(io.TextIOBase):
    """A text stream that redacts everything before it reaches the stream it wraps.

    ``Console(file=RedactingWriter(sys.stderr))`` makes a rich console mask ID numbers and
    accounts everywhere, tables included. Text is held until a line ends (``\\n`` or ``\\r``)
    or :meth:`flush` is called, so an ID written in pieces (``print`` writes its arguments one
    by one) is still seen whole. A line longer than 64 KiB is passed on early, cut before any
    trailing characters that could belong to a number. :meth:`close` flushes but leaves the
    wrapped stream open (it is usually ``sys.stderr``). ``isatty``, ``fileno``, ``encoding``
    and anything else are the wrapped stream's.

    ``stream`` None means whatever ``sys.stderr`` (``sys.stdout`` with ``stdout=True``) is at
    the time of each call, so a module-level console follows a stream swapped later (by a test
    runner capturing output, for instance).
    """

    def __init__(self, stream: TextIO | None = None, *, stdout: bool = False) -> None:
        super().__init__()
        self._fixed = stream
        self._stdout = stdout
        self._held = ""
        self._lock = threading.Lock()

    @property
    def _stream(self) -> TextIO:
        if self._fixed is not None:
            return self._fixed
        return sys.stdout if self._stdout else sys.stderr

    @property
    def wrapped(self) -> TextIO:
        return self._stream

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._stream, "encoding", None) or "utf-8"

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return getattr(self._stream, "errors", None)

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()

    def write(self, s: str) -> int:
        if self.closed:
            raise ValueError("I/O operation on closed file.")
        with self._lock:
            held = self._held + s
            ends = [m.end() for m in _LINE_END.finditer(held)]
            cut = ends[-1] if ends else 0
            if not cut and len(held) > _HOLD_LIMIT:
                tail = _TOKEN_TAIL.search(held)
                cut = tail.start() if tail and tail.start() > 0 else len(held)
            if cut:
                self._stream.write(redact(held[:cut]))
            self._held = held[cut:]
        return len(s)

    def flush(self) -> None:
        with self._lock:
            if self._held:
                self._stream.write(redact(self._held))
                self._held = ""
        self._stream.flush()

    def close(self) -> None:
        if not self.closed:
            self.flush()
        super().close()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # not delegated: attributes of this object still being set up
            raise AttributeError(name)
        return getattr(self._stream, name)


# -- logging -------------------------------------------------------------------------------

_REDACTED = "_huimin_redacted"


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """Mask the message, arguments, traceback and stack of one log record (in place, once).

    The message is rendered (``msg % args``) only to check it; the record is changed only when
    redaction changes something: then it carries the redacted text and no arguments. A
    traceback that needs masking replaces ``exc_info`` by its redacted text (``exc_text``),
    which every formatter prints.
    """
    seen = getattr(record, _REDACTED, None)
    if seen is not None and seen == _identity(record):
        return record
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: keep what can be shown, masked
        message = f"{record.msg} {record.args!r}"
        record.msg, record.args = redact(message), None
    else:
        masked = redact(message)
        if masked != message:
            record.msg, record.args = masked, None
    if record.exc_info and record.exc_info[0] is not None:
        text = record.exc_text or logging.Formatter().formatException(record.exc_info)
        masked = redact(text)
        if masked != text:
            record.exc_info, record.exc_text = None, masked
    elif record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    setattr(record, _REDACTED, _identity(record))
    return record


def _identity(record: logging.LogRecord) -> tuple[int, ...]:
    """What a redacted record holds; a record whose parts were replaced since is redacted again."""
    parts = (record.msg, record.args, record.exc_info, record.exc_text, record.stack_info)
    return tuple(id(part) for part in parts)


class RedactingFilter(logging.Filter):
    """A handler filter that masks every record passing through (it never drops one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


_FILTER = RedactingFilter()
_install_lock = threading.Lock()


def _redacting_factory(previous: Callable[..., logging.LogRecord]) -> Callable[..., Any]:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return redact_record(previous(*args, **kwargs))

    factory.huimin_redacting = True  # type: ignore[attr-defined]
    return factory


def _loggers_to_guard() -> Iterable[logging.Logger]:
    yield logging.getLogger()
    for name, item in list(logging.root.manager.loggerDict.items()):
        if isinstance(item, logging.Logger) and name.split(".")[0] == "prefect":
            yield item
    yield logging.getLogger("prefect")


def install_log_redaction() -> None:
    """Mask every log record before any handler sees it; safe to call more than once.

    Two layers: a log record factory redacts each record as it is created (every logger, every
    handler, including Prefect's flow and task run loggers, ``log_prints`` and the handler that
    ships logs to the Prefect API, and handlers added later); a filter on the handlers of the
    root and ``prefect`` loggers catches records built another way (``logging.makeLogRecord``).
    Call it again after Prefect has (re)configured logging to filter its new handlers too.
    """
    with _install_lock:
        current = logging.getLogRecordFactory()
        if not getattr(current, "huimin_redacting", False):
            logging.setLogRecordFactory(_redacting_factory(current))
        for logger in _loggers_to_guard():
            for handler in logger.handlers:
                if _FILTER not in handler.filters:
                    handler.addFilter(_FILTER)
