"""Writers for the forms departments send: XLSX with a title row, GBK or BOM CSV, Parquet.

A writer is opened once per dataset and takes the rows chunk by chunk, so a city-scale file is
never held in memory whole. Everything is deterministic: fixed workbook dates, no timestamps.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

import polars as pl
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import xlsxwriter

from huimin.synth.render import Form

FIXED_CREATED = dt.datetime(2023, 9, 1, 9, 0, 0)
NUMERIC_KINDS = ("yuan", "float", "int", "year")


class ChunkWriter:
    """Append text frames (one column per header, null = empty cell) to one file."""

    def __init__(
        self, path: Path, form: Form, headers: list[str], kinds: list[str], title: str
    ) -> None:
        self.path, self.form, self.headers, self.kinds = path, form, headers, kinds
        self.rows = 0
        self._csv: BinaryIO | None = None
        self._pq: pq.ParquetWriter | None = None
        self._wb: Any = None
        path.parent.mkdir(parents=True, exist_ok=True)
        if form.fmt.startswith("csv"):
            self._csv = path.open("wb")
            if form.fmt == "csv-bom":
                self._csv.write(b"\xef\xbb\xbf")
            self._csv.write(self._encode(",".join(headers) + "\n"))
        elif form.fmt == "parquet":
            schema = pa.schema([(h, pa.string()) for h in headers])
            self._pq = pq.ParquetWriter(str(path), schema, compression="zstd")
        else:
            self._open_xlsx(title)

    def _encode(self, text: str) -> bytes:
        return text.encode("gb18030" if self.form.fmt == "csv-gbk" else "utf-8")

    def _open_xlsx(self, title: str) -> None:
        wb = xlsxwriter.Workbook(
            str(self.path), {"constant_memory": True, "default_date_format": "yyyy-mm-dd"}
        )
        wb.set_properties({"created": FIXED_CREATED, "author": "东西湖区", "title": title})
        ws = wb.add_worksheet(title[:31])
        bold = wb.add_format({"bold": True, "align": "center", "font_size": 14})
        if len(self.headers) > 1:
            ws.merge_range(0, 0, 0, len(self.headers) - 1, title, bold)
        else:
            ws.write_string(0, 0, title, bold)
        ws.write_row(1, 0, self.headers)
        self._wb, self._ws = wb, ws

    def write(self, frame: pl.DataFrame) -> None:
        """Append rows: ``frame`` holds the text of each cell in header order."""
        frame = frame.select(frame.columns[: len(self.headers)])
        if self._csv is not None:
            text = frame.write_csv(include_header=False, null_value="")
            self._csv.write(self._encode(text))
        elif self._pq is not None:
            table = frame.rename(dict(zip(frame.columns, self.headers, strict=True))).to_arrow()
            self._pq.write_table(table.cast(self._pq.schema))
        else:
            self._write_xlsx(frame)
        self.rows += frame.height

    def _cells(self, frame: pl.DataFrame) -> list[list[Any]]:
        cols: list[list[Any]] = []
        for name, kind in zip(frame.columns, self.kinds, strict=True):
            text = frame[name]
            if kind in NUMERIC_KINDS:
                typed = text.cast(pl.Float64, strict=False)
            elif kind == "date" and self.form.date_style == "excel":
                typed = text.str.strptime(pl.Date, "%Y-%m-%d", strict=False)
            else:
                cols.append(text.to_list())
                continue
            cols.append(
                [
                    t if t is not None else s
                    for t, s in zip(typed.to_list(), text.to_list(), strict=True)
                ]
            )
        return cols

    def _write_xlsx(self, frame: pl.DataFrame) -> None:
        cols = self._cells(frame)
        start = self.rows + 2
        for r, row in enumerate(zip(*cols, strict=True)):
            self._ws.write_row(start + r, 0, row)

    def close(self) -> None:
        if self._csv is not None:
            self._csv.close()
        if self._pq is not None:
            self._pq.close()
        if self._wb is not None:
            self._wb.close()

    def __enter__(self) -> ChunkWriter:
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
