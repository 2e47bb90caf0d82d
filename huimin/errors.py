"""Error types: bad data, bad configuration or rules, and our own bugs are told apart.

Every command goes through one boundary (:mod:`huimin.boundary`) that turns these into exit
codes: 0 ok, 1 checks failed, 2 unusable input or configuration, 3 internal error.
No message built here ever carries a row of data: parsers' own texts are summarised.
"""

from __future__ import annotations

from pathlib import Path

EXIT_OK = 0
EXIT_CHECKS_FAILED = 1
EXIT_UNUSABLE = 2
EXIT_INTERNAL = 3


class HuiminError(Exception):
    """Base of every error huimin raises on purpose."""

    exit_code = EXIT_UNUSABLE


class DataFileError(HuiminError):
    """A whole input file cannot be used; the message names the file and the fix."""

    def __init__(self, path: Path | str, problem: str, fix: str = "") -> None:
        self.path = Path(path)
        self.problem = problem
        self.fix = fix
        super().__init__(self.one_line())

    def one_line(self) -> str:
        text = f"{self.path}: {self.problem}"
        return f"{text}: {self.fix}" if self.fix else text


class ConfigError(HuiminError):
    """A configuration file (sources.yaml, a rule file, a parameters file) or a command-line
    argument is wrong; the message locates it."""


class RunLockedError(ConfigError):
    """Another run holds the output folder."""


class InternalError(HuiminError):
    """A bug in huimin itself: please report it with the run's log."""

    exit_code = EXIT_INTERNAL
