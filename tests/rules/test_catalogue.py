"""The rule catalogue: it loads, every inline example passes (one test each), and a run is
independent of the order of rows in every input file."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import polars as pl
import pytest

from huimin.pipeline import apply_catalogue, ingest_folder
from huimin.rules.commands import DEFAULT_RULES, load_catalogue
from huimin.rules.examples import run_example
from huimin.synth import generate

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = load_catalogue(DEFAULT_RULES)
EXAMPLES = [
    pytest.param(rule_file, rule, example, id=f"{rule.id}:{index}")
    for rule_file in CATALOGUE
    for rule in rule_file.rules
    for index, example in enumerate(rule.examples)
]


def test_the_catalogue_covers_every_roster_with_at_least_50_rules() -> None:
    from huimin.schemas import ROSTERS

    assert {f.policy for f in CATALOGUE} == {m.__dataset__ for m in ROSTERS}
    assert sum(len(f.rules) for f in CATALOGUE) >= 50


@pytest.mark.parametrize(("rule_file", "rule", "example"), EXAMPLES)
def test_rule_example(rule_file: object, rule: object, example: object) -> None:
    outcome = run_example(rule, rule_file, example)  # type: ignore[arg-type]
    assert outcome.passed, outcome.describe()


def shuffle_inputs(source: Path, target: Path, seed: int) -> None:
    """Every input file rewritten as Parquet of text, same headers, rows in another order."""
    from huimin.ingest import known_headers
    from huimin.readers import SOURCE_ROW, read_table
    from huimin.schemas import DATASETS

    target.mkdir(parents=True)
    for path in sorted(source.iterdir()):
        if not path.is_file():
            continue
        if path.stem not in DATASETS:  # the district's own settings (thresholds.yaml)
            shutil.copy(path, target / path.name)
            continue
        work = target / f".work-{path.stem}"
        work.mkdir()
        known = known_headers(DATASETS[path.stem], {})
        raw = read_table(path, known, work).frame.collect().drop(SOURCE_ROW)
        raw.sample(fraction=1.0, shuffle=True, seed=seed).write_parquet(
            target / f"{path.stem}.parquet"
        )
        shutil.rmtree(work)


@pytest.mark.slow
def test_shuffled_inputs_give_the_same_clues(tmp_path: Path) -> None:
    generate(tmp_path / "in", scale="sample", seed=11)
    shuffle_inputs(tmp_path / "in", tmp_path / "in-shuffled", seed=3)
    clues = []
    for name in ("in", "in-shuffled"):
        out = tmp_path / f"out-{name}"
        run = ingest_folder(tmp_path / name, out, as_of=dt.date(2024, 1, 1))
        assert run.errors == []
        apply_catalogue(run, CATALOGUE)
        clues.append(pl.read_parquet(out / "clues.parquet"))
    assert clues[0].height > 100
    # clues name no row or file: every column, and the order of clues, must be the same
    assert clues[0].equals(clues[1])


def test_explain_speaks_plain_words_before_any_query_plan() -> None:
    from huimin.rules.commands import explain

    text = explain(CATALOGUE, "tekun.paid_after_death", as_of=dt.date(2024, 1, 1))
    words, _, plan = text.partition("For engineers:")
    assert "What it finds:" in words and "How: a payment is flagged" in words
    assert "An example clue" in words and "疑点描述:" in words
    assert "polars plan" not in words and "polars plan" in plan
