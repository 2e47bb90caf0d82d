"""The one boundary every command goes through: errors become a line and an exit code.

- 0 ok; 1 checks failed; 2 unusable input or configuration; 3 internal error (a bug), with
  the traceback written to a log file and only a pointer to it printed.
- No command prints a traceback, and nothing printed here carries a full ID number.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console

from huimin.errors import EXIT_INTERNAL, EXIT_UNUSABLE, HuiminError
from huimin.redact import redact

P = ParamSpec("P")
R = TypeVar("R")


def log_dir() -> Path:
    """Where crash logs go: $HUIMIN_LOG_DIR, else $XDG_STATE_HOME/huimin, else ~/.local/state."""
    if os.environ.get("HUIMIN_LOG_DIR"):
        return Path(os.environ["HUIMIN_LOG_DIR"])
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "huimin" / "logs"


def write_crash_log(exc: BaseException) -> Path | None:
    """The traceback, masked, in a log file of its own; None when no log can be written."""
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    try:
        folder = log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"crash-{stamp}-{os.getpid()}.log"
        path.write_text(redact(text), encoding="utf-8")
    except OSError:
        return None
    return path


def report(exc: BaseException, console: Console) -> int:
    """Print one masked line for ``exc``; return the exit code it means."""
    from huimin.rules.model import RuleFileError

    if isinstance(exc, RuleFileError):
        for problem in exc.problems:
            console.print(
                f"error: {redact(str(problem))}", soft_wrap=True, highlight=False, markup=False
            )
        console.print(f"{len(exc.problems)} problem(s) in the rule files", highlight=False)
        return EXIT_UNUSABLE
    if isinstance(exc, HuiminError):
        console.print(f"error: {redact(str(exc))}", soft_wrap=True, highlight=False, markup=False)
        return exc.exit_code
    if isinstance(exc, OSError) and exc.filename is not None:
        console.print(
            f"error: {redact(str(exc.filename))}: {exc.strerror or type(exc).__name__}",
            soft_wrap=True,
            highlight=False,
            markup=False,
        )
        return EXIT_UNUSABLE
    log = write_crash_log(exc)
    where = f"the details are in {log}" if log else "no log could be written"
    console.print(
        f"internal error ({type(exc).__name__}): this is a bug in huimin; {where}; "
        "please report it with that file",
        soft_wrap=True,
        highlight=False,
        markup=False,
    )
    return EXIT_INTERNAL


def guarded(console: Console) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Wrap a command so that every error ends in :func:`report` and ``typer.Exit``."""

    def decorate(command: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(command)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return command(*args, **kwargs)
            except (typer.Exit, typer.Abort, typer.BadParameter):
                raise
            except KeyboardInterrupt:
                console.print("interrupted: the previous result is left as it was")
                raise typer.Exit(130) from None
            except Exception as exc:
                raise typer.Exit(report(exc, console)) from None

        return wrapper

    return decorate
