"""What an SQL text of a rule may say: one expression over the row (column references,
literals, operators, CASE, IN lists, BETWEEN, LIKE and the scalar functions of
:data:`FUNCTIONS`), checked by a tokenizer and parser of huimin's own before polars sees the
text, since polars runs a subquery's table functions while parsing (:func:`sql_refusal`).
:func:`sql_references` lists the columns an accepted text references.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: scalar functions a rule's SQL may call (all others, table functions first, are refused)
FUNCTIONS = _words(
    """
    ABS CEIL CEILING FLOOR ROUND TRUNC SQRT MOD POWER SIGN LN LOG10 EXP GREATEST LEAST
    COALESCE NULLIF IFNULL IF LENGTH CHAR_LENGTH LOWER UPPER TRIM LTRIM RTRIM SUBSTR
    SUBSTRING LEFT RIGHT CONCAT CONCAT_WS REPLACE STARTS_WITH ENDS_WITH STRPOS REGEXP_LIKE
    SPLIT_PART LPAD RPAD DATE DATE_PART EXTRACT STRFTIME YEAR CAST TRY_CAST
    """
)
#: types ``CAST(x AS type)`` may name
CAST_TYPES = _words(
    """
    INT INTEGER BIGINT SMALLINT DOUBLE FLOAT REAL DECIMAL NUMERIC VARCHAR TEXT STRING
    BOOLEAN DATE TIMESTAMP
    """
)
#: words that start something other than an expression over one row: refused by name
REFUSED_WORDS = _words(
    """
    SELECT FROM WHERE WITH UNION INTERSECT EXCEPT JOIN TABLE VALUES EXISTS INTO ORDER GROUP
    HAVING LIMIT OFFSET OVER PARTITION WINDOW LATERAL UNNEST COPY ATTACH PRAGMA EXECUTE CALL
    INSERT UPDATE DELETE DROP CREATE ALTER
    """
)
#: words with a meaning inside an expression (never column names when written bare)
KEYWORDS = _words(
    """
    AND OR NOT IS NULL TRUE FALSE IN BETWEEN LIKE ILIKE CASE WHEN THEN ELSE END AS DISTINCT
    INTERVAL
    """
)
CLOCK_WORDS = frozenset({"CURRENT_DATE", "CURRENT_TIMESTAMP", "NOW", "TODAY", "LOCALTIMESTAMP"})
COMPARISONS = frozenset({"=", "==", "<>", "!=", "<", "<=", ">", ">="})
_TOKEN = re.compile(
    r"""(?P<space>\s+)
    |(?P<string>'(?:[^']|'')*')
    |(?P<quoted>"[^"]*")
    |(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
    |(?P<word>[^\W\d]\w*)
    |(?P<comment>--|/\*)
    |(?P<op><>|!=|<=|>=|==|\|\||[-+*/%=<>(),.])
    """,
    re.VERBOSE,
)
_PLAIN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Token:
    kind: str  # string, number, word, name (a quoted name), op, end
    text: str

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else ""

    def shown(self) -> str:
        """How a message may name the token: never a literal's content."""
        if self.kind == "string":
            return "a text in quotes"
        if self.kind == "number":
            return "a number"
        if self.kind == "end":
            return "the end"
        if self.kind == "name":
            return f'"{self.text}"'
        return f"'{self.text[:40]}'"


class SqlRefusedError(Exception):
    """Why an SQL text is not an expression over one row (in huimin's own words)."""


def tokens(text: str) -> list[Token]:
    """The tokens of an SQL text; raises :class:`SqlRefusedError` on a character SQL here never
    needs (``;``, comments, an unclosed quote ...)."""
    out: list[Token] = []
    position = 0
    while position < len(text):
        found = _TOKEN.match(text, position)
        if found is None or found.lastgroup is None:
            raise SqlRefusedError(_bad_character(text, position))
        kind, value = found.lastgroup, found.group()
        position = found.end()
        if kind == "string":
            out.append(Token("string", value[1:-1].replace("''", "'")))
        elif kind == "quoted":
            if not _PLAIN_NAME.match(value[1:-1]):
                raise SqlRefusedError("a name in double quotes must be a column name (letters, _)")
            out.append(Token("name", value[1:-1]))
        elif kind == "comment":
            raise SqlRefusedError("comments ('--', '/*') are not allowed in SQL here")
        elif kind != "space":
            out.append(Token(kind, value))
    out.append(Token("end", ""))
    return out


def _bad_character(text: str, position: int) -> str:
    char = text[position]
    if char == "'":
        return "a text in quotes is not closed (a ' is missing)"
    if char == '"':
        return 'a name in double quotes is not closed (a " is missing)'
    if char == ";":
        return "';' is not allowed: write one expression"
    return f"the character '{char}' has no meaning here"


class _Parser:
    """A recursive-descent reading of the expression grammar rules may use: column
    references, literals, operators, CASE, IN lists, BETWEEN, LIKE, IS [NOT] NULL and the
    functions of :data:`FUNCTIONS`. It only accepts or refuses; polars builds the expression.
    """

    def __init__(self, text: str) -> None:
        self.tokens = tokens(text)
        self.at = 0
        self.references: list[tuple[str, ...]] = []  # ("amount",), ("param", "standard")

    @property
    def token(self) -> Token:
        return self.tokens[self.at]

    def next(self) -> Token:
        token = self.tokens[self.at]
        self.at = min(self.at + 1, len(self.tokens) - 1)
        return token

    def accept(self, *texts: str) -> bool:
        token = self.token
        if (token.kind == "op" and token.text in texts) or token.upper in texts:
            self.next()
            return True
        return False

    def expect(self, text: str, after: str) -> None:
        if not self.accept(text):
            raise SqlRefusedError(f"expected '{text}' {after}, found {self.token.shown()}")

    def run(self) -> None:
        self.expression()
        if self.token.kind != "end":
            raise SqlRefusedError(f"unexpected {self.token.shown()} after a complete expression")

    def expression(self) -> None:
        self.conjunction()
        while self.accept("OR"):
            self.conjunction()

    def conjunction(self) -> None:
        self.negation()
        while self.accept("AND"):
            self.negation()

    def negation(self) -> None:
        if self.accept("NOT"):
            self.negation()
        else:
            self.predicate()

    def predicate(self) -> None:
        self.additive()
        token = self.token
        if token.kind == "op" and token.text in COMPARISONS:
            self.next()
            self.additive()
        elif self.accept("IS"):
            self.accept("NOT")
            if self.accept("DISTINCT"):
                if self.token.upper != "FROM":
                    raise SqlRefusedError("expected 'FROM' after IS DISTINCT")
                self.next()
                self.additive()
            elif not self.accept("NULL", "TRUE", "FALSE"):
                raise SqlRefusedError(
                    f"expected NULL, TRUE or FALSE after IS, found {token.shown()}"
                )
        else:
            negated = self.accept("NOT")
            if self.accept("IN"):
                self.expect("(", "after IN")
                self.expression_list("the IN list")
            elif self.accept("BETWEEN"):
                self.additive()
                self.expect("AND", "in BETWEEN ... AND ...")
                self.additive()
            elif self.accept("LIKE", "ILIKE"):
                self.additive()
            elif negated:
                raise SqlRefusedError("expected IN, BETWEEN or LIKE after NOT")

    def expression_list(self, what: str) -> None:
        """Expressions separated by commas up to ``)`` (the ``(`` is read)."""
        self.expression()
        while self.accept(","):
            self.expression()
        self.expect(")", f"to close {what}")

    def additive(self) -> None:
        self.multiplicative()
        while self.accept("+", "-", "||"):
            self.multiplicative()

    def multiplicative(self) -> None:
        self.unary()
        while self.accept("*", "/", "%"):
            self.unary()

    def unary(self) -> None:
        if self.accept("-", "+"):
            self.unary()
        else:
            self.primary()

    def primary(self) -> None:
        before = f" (after {self.tokens[self.at - 1].shown()})" if self.at else ""
        token = self.next()
        if token.kind in ("string", "number") or token.upper in ("NULL", "TRUE", "FALSE"):
            return
        if token.kind == "op" and token.text == "(":
            self.expression()
            self.expect(")", "to close the parenthesis")
            return
        if token.kind == "end":
            raise SqlRefusedError(f"the text ends where a value is missing{before}")
        if token.kind == "name":
            self.reference(token.text)
            return
        if token.kind != "word":
            raise SqlRefusedError(f"expected a value, found {token.shown()}")
        upper = token.upper
        if upper in ("DATE", "TIMESTAMP", "INTERVAL") and self.token.kind == "string":
            self.next()
        elif upper == "CASE":
            self.case()
        elif self.token.kind == "op" and self.token.text == "(":
            self.next()
            self.call(token)
        elif upper in REFUSED_WORDS:
            raise SqlRefusedError(
                f"'{upper}' is not allowed: a condition is one expression over the row's "
                "columns and parameters (no subqueries, no other tables)"
            )
        elif upper in CLOCK_WORDS:
            raise SqlRefusedError(
                f"'{upper}' is not allowed: use as_of, the date the run judges at"
            )
        elif upper in KEYWORDS:
            raise SqlRefusedError(f"expected a value, found '{upper}'")
        else:
            self.reference(token.text)

    def reference(self, name: str) -> None:
        """A column, ``struct.field`` or ``param.name``."""
        parts = [name]
        while self.accept("."):
            token = self.next()
            if token.kind not in ("word", "name"):
                raise SqlRefusedError(f"expected a column name after '.', found {token.shown()}")
            parts.append(token.text)
        self.references.append(tuple(parts))

    def case(self) -> None:
        if self.token.upper != "WHEN":
            self.expression()
        if self.token.upper != "WHEN":
            raise SqlRefusedError(f"expected WHEN in CASE, found {self.token.shown()}")
        while self.accept("WHEN"):
            self.expression()
            self.expect("THEN", "after CASE WHEN ...")
            self.expression()
        if self.accept("ELSE"):
            self.expression()
        self.expect("END", "to close CASE")

    def call(self, name: Token) -> None:
        upper = name.upper
        if upper not in FUNCTIONS:
            lowered = name.text.lower()
            if lowered.startswith(("read_", "scan_")) or lowered in TABLE_FUNCTIONS:
                raise SqlRefusedError(
                    f"'{name.text[:40]}' is not allowed: rules never read files or tables, "
                    "only the row's columns and parameters"
                )
            if upper in CLOCK_WORDS:
                raise SqlRefusedError(
                    f"'{upper}' is not allowed: use as_of, the date the run judges at"
                )
            allowed = ", ".join(sorted(FUNCTIONS))
            raise SqlRefusedError(
                f"function '{name.text[:40]}' is not allowed (allowed: {allowed})"
            )
        if upper in ("CAST", "TRY_CAST"):
            self.expression()
            self.expect("AS", f"in {upper}(value AS type)")
            kind = self.next()
            if kind.upper not in CAST_TYPES:
                allowed = ", ".join(sorted(CAST_TYPES))
                raise SqlRefusedError(
                    f"{upper} to {kind.shown()} is not allowed (types: {allowed})"
                )
            self.expect(")", f"to close {upper}")
        elif upper == "EXTRACT":
            part = self.next()
            if part.kind != "word" or self.token.upper != "FROM":
                raise SqlRefusedError("write EXTRACT(YEAR FROM a_date)")
            self.next()
            self.expression()
            self.expect(")", "to close EXTRACT")
        elif not self.accept(")"):
            self.expression_list(f"the call of {upper}")


#: functions that read tables or files under names that do not start with read_ or scan_
TABLE_FUNCTIONS = frozenset({"glob", "parquet_scan", "csv_scan", "iceberg_scan", "delta_scan"})


def sql_refusal(text: str) -> str | None:
    """Why ``text`` is not an expression a rule may use (None if it is one).

    The check is structural and runs before polars sees the text, because polars plans a
    subquery (and reads its files) while parsing. A message never repeats a literal.
    """
    try:
        _Parser(text).run()
    except SqlRefusedError as refused:
        return str(refused)
    return None


def sql_references(text: str) -> list[tuple[str, ...]]:
    """Every column an accepted SQL text references, split at dots (``param.x`` is
    ``("param", "x")``), in order; raises :class:`SqlRefusedError` for a refused text."""
    return list(_references(text))


@functools.lru_cache(maxsize=4096)
def _references(text: str) -> tuple[tuple[str, ...], ...]:
    parser = _Parser(text)
    parser.run()
    return tuple(parser.references)
