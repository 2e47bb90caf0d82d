"""``python -m huimin``: the same command line as ``huimin``."""

from huimin.cli import app

app(prog_name="huimin")
