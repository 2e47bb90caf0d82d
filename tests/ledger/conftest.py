"""Ledger tests run on SQLite and on a real PostgreSQL server (127.0.0.1:5432, database
``test``): each test gets its own schema there, dropped afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from huimin.ledger.store import Ledger
from huimin.rules.clues import CLUE_SCHEMA

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _pg_answers() -> str | None:
    """None when the server answers, else why not."""
    try:
        import psycopg

        with psycopg.connect(
            "host=127.0.0.1 port=5432 user=postgres dbname=test", connect_timeout=3
        ):
            return None
    except Exception as exc:
        return f"no PostgreSQL server answers on 127.0.0.1:5432 ({type(exc).__name__})"


@pytest.fixture(scope="session")
def pg_reason() -> str | None:
    return _pg_answers()


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_url(
    request: pytest.FixtureRequest, tmp_path: Path, pg_reason: str | None
) -> Iterator[str]:
    """A fresh, empty ledger's location on each backend."""
    if request.param == "sqlite":
        yield str(tmp_path / "ledger" / "ledger.sqlite")
        return
    if pg_reason:
        pytest.skip(pg_reason)
    import psycopg

    schema = f"ledger_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect("host=127.0.0.1 user=postgres dbname=test", autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{PG_SERVER}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect("host=127.0.0.1 user=postgres dbname=test", autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def ledger(ledger_url: str) -> Iterator[Ledger]:
    opened = Ledger.open(ledger_url)
    try:
        yield opened
    finally:
        opened.dispose()


ID_A = "420112198001010012"
ID_B = "420112195003030021"


def clue_row(clue_id: str, street: str = "吴家山街", **changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "clue_id": clue_id,
        "project": "城乡低保",
        "department": "区民政局",
        "street": street,
        "organization": "",
        "subject_kind": "person",
        "subject": ID_A,
        "name": "张三",
        "id_numbers": [ID_A],
        "check_period": "2023",
        "periods_text": "2023-01至2023-06",
        "amount": 3600.0,
        "severity": "high",
        "findings": 1,
        "rule_ids": ["dibao.dead"],
        "titles": "死亡后仍领取",
        "summary": "死亡后仍领取低保金",
        "verify": "核对死亡时间",
        "reference": "",
        "related_clue_ids": [],
    }
    row.update(changes)
    return row


def publish(output: Path, rows: list[dict[str, Any]]) -> Path:
    """A published run's clue table (only what the ledger reads)."""
    output.mkdir(parents=True, exist_ok=True)
    pl.DataFrame(rows, schema=CLUE_SCHEMA).write_parquet(output / "clues.parquet")
    return output


def verification(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "elements": {
            "线索真伪": "线索属实，对象已于2022年12月死亡",
            "资格条件": "死亡后不再具备低保资格",
            "资金去向": "2023年1至6月低保金3600元由其子领取",
            "办理程序": "社区未及时办理停发手续",
            "人员责任": "社区低保专干未按月核查",
        },
        "methods": ["查原始资料", "问经手经办", "访左邻右舍"],
        "opinion": "对象死亡后仍领取低保金3600元，应停发并追缴，对经办人员批评教育",
        "verifier": "李四",
        "date": "2023-09-20",
        "evidence": ["evidence/死亡证明.pdf", "evidence/发放明细.xlsx"],
    }
    data.update(changes)
    return data


def disposition(category: str = "一般性违规", **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "category": category,
        "measures": ["停发", "追缴"],
        "amount_to_recover": 3600,
        "amount_recovered": 0,
    }
    data.update(changes)
    return data
