"""The benchmark rules (or the whole catalogue) run by huimin's engine on staged Parquet.

    python benchmarks/run_huimin_rules.py STAGED_DIR [--all] [--out subjects.parquet]

Loads the catalogue, keeps the 12 benchmark rules (``select_rules``) unless ``--all``, and
runs them with parameters of status ``example`` included, so that every rule runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

import polars as pl
from rule_set import RULES, write_subjects

from huimin.rules.clue_ids import district_key
from huimin.rules.commands import load_catalogue
from huimin.rules.engine import load_staged, run_rules
from huimin.rules.select import select_rules

AS_OF = dt.date(2023, 12, 31)


def run(
    staged: Path, only: tuple[str, ...] = RULES, timing: dict[str, float] | None = None
) -> pl.DataFrame:
    """The flagged payments (rule, subject, period) of the findings' hits; ``timing`` gets
    the seconds spent loading the catalogue and running the rules."""
    started = time.perf_counter()
    catalogue = select_rules(load_catalogue(), only)
    loaded = time.perf_counter()
    paths = {path.stem: path for path in staged.glob("*.parquet")}
    result = run_rules(
        catalogue, load_staged(paths), as_of=AS_OF, key=district_key(), include_examples=True
    )
    if timing is not None:
        timing.update(load=loaded - started, rules=time.perf_counter() - loaded)
    hits = result.findings.select("rule_id", "hits").explode("hits")
    return hits.select(
        "rule_id",
        pl.col("hits").struct.field("subject"),
        pl.col("hits").struct.field("period"),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("staged", type=Path)
    parser.add_argument("--all", action="store_true", help="the whole catalogue")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--timing", type=Path, help="write the in-process seconds here (JSON)")
    args = parser.parse_args()
    timing: dict[str, float] = {}
    write_subjects(run(args.staged, () if args.all else RULES, timing), args.out)
    if args.timing:
        args.timing.write_text(json.dumps(timing), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
