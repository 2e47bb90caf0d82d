"""Error types: bad data, bad rules, and our own bugs are told apart."""

from __future__ import annotations

from pathlib import Path


class HuiminError(Exception):
    """Base of every error huimin raises on purpose."""


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
    """A configuration file (sources.yaml, a rule file) is wrong; the message locates it."""


class InternalError(HuiminError):
    """A bug in huimin itself: please report it with the run's manifest."""
