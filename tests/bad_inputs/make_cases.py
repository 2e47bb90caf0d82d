"""Write the binary fixtures of the broken-input corpus (xlsx, parquet, GBK/BOM/UTF-16 CSV ...).

Deterministic: same library versions, same bytes. Run it after changing a fixture below::

    .venv/bin/python tests/bad_inputs/make_cases.py            # rewrite them in place
    .venv/bin/python tests/bad_inputs/make_cases.py /tmp/check # or somewhere else

``tests/test_bad_inputs.py`` regenerates them into a temporary folder and checks the committed
files are byte-for-byte the same, so a hand edit of a binary fixture cannot go unnoticed.
The plain-text CSV and YAML fixtures are written by hand and are not produced here.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import struct
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import polars as pl
import xlsxwriter

HERE = Path(__file__).resolve().parent
CREATED = dt.datetime(2024, 1, 1, 0, 0, 0)

A = "420112193503120112"
B = "420112193807040226"
C = "420112194001230359"
BAD_CHECK = "420112193503120113"
ELDERLY = ["id_number", "name", "street", "community", "pay_month", "amount", "bank_account"]
ELDERLY_ZH = ["身份证号码", "姓名", "街道", "社区（村）", "发放年月", "发放金额（元）", "银行账号"]
D = "420112194103050316"
DEATHS = ["id_number", "name", "death_date", "source"]
DEATHS_ZH = ["公民身份号码", "姓名", "死亡日期", "数据来源"]


def _workbook(rows: list[list[object]], *, title: str | None = None) -> bytes:
    """An .xlsx whose first sheet holds ``rows`` (an optional merged title row above them)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.set_properties({"created": CREATED, "author": "huimin tests"})
    sheet = book.add_worksheet("Sheet1")
    text = book.add_format({"num_format": "@"})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    first = 0
    if title is not None:
        width = max(len(r) for r in rows)
        sheet.merge_range(0, 0, 0, width - 1, title, book.add_format({"bold": True}))
        first = 1
    for r, row in enumerate(rows, start=first):
        for c, value in enumerate(row):
            if isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), day)
            elif isinstance(value, int | float):
                sheet.write_number(r, c, value)
            elif value is not None:
                sheet.write_string(r, c, str(value), text)
    book.close()
    return buffer.getvalue()


def _parquet(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer, compression="uncompressed", statistics=False)
    return buffer.getvalue()


def _csv_text(rows: list[list[str]]) -> str:
    return "".join(",".join(row) + "\r\n" for row in rows)


def garbage_xlsx() -> bytes:
    """Random bytes named population.xlsx (a download that failed, a mis-saved attachment)."""
    return random.Random(2023).randbytes(4096)


def truncated_parquet() -> bytes:
    whole = _parquet(
        pl.DataFrame(
            {
                "id_number": [A, B, C] * 50,
                "name": ["张三", "李四", "王五"] * 50,
                "death_date": ["2023-05-01"] * 150,
                "source": ["公安"] * 150,
            }
        )
    )
    return whole[: len(whole) // 2]


def xlsx_named_csv() -> bytes:
    return _workbook([DEATHS, [A, "张三", "2023-05-01", "公安"]])


def excel_number_ids_xlsx() -> bytes:
    """ID numbers typed into Excel as numbers: stored as 4.20112193503120e17, digits lost."""
    return _workbook(
        [
            ELDERLY_ZH,
            [float(A), "张三", "径河街道", "张柏社区", "2023-05", 120, None],
            [B, "李四", "径河街道", "张柏社区", "2023-05", 120, None],
            [float(C), "王五", "径河街道", "张柏社区", "2023-05", 120, None],
        ]
    )


def parquet_integer_ids() -> bytes:
    return _parquet(
        pl.DataFrame(
            {
                "id_number": [int(A), int(B)],
                "name": ["张三", "李四"],
                "death_date": [dt.date(2023, 5, 1)] * 2,
                "source": ["公安", "殡葬"],
            }
        )
    )


def empty_file() -> bytes:
    return b""


def blank_lines_only() -> bytes:
    return b"\r\n\r\n  \r\n"


def header_only_xlsx() -> bytes:
    return _workbook([["公民身份号码", "姓名", "死亡日期", "数据来源"]])


def empty_sheet_xlsx() -> bytes:
    return _workbook([])


# ------------------------------------------------------------ legacy .xls (BIFF8 in OLE2)


def _record(kind: int, data: bytes) -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def _bof(substream: int) -> bytes:
    return _record(0x0809, struct.pack("<HHHHII", 0x0600, substream, 0x0DBB, 0x07CC, 0, 0x06))


def _biff8(rows: list[list[object]], sheet: str = "Sheet1") -> bytes:
    """The Workbook stream of an Excel 97-2003 file: one sheet of LABEL and NUMBER cells."""
    cells = b""
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, int | float):
                cells += _record(0x0203, struct.pack("<HHHd", r, c, 0, float(value)))
            elif value is not None:
                text = str(value)
                label = struct.pack("<HB", len(text), 1) + text.encode("utf-16-le")
                cells += _record(0x0204, struct.pack("<HHH", r, c, 0) + label)
    width = max((len(row) for row in rows), default=0)
    dimensions = _record(0x0200, struct.pack("<IIHHH", 0, len(rows), 0, width, 0))
    body = _bof(0x0010) + dimensions + cells + _record(0x000A, b"")

    def book(sheet_at: int) -> bytes:
        name = struct.pack("<IBBBB", sheet_at, 0, 0, len(sheet), 1) + sheet.encode("utf-16-le")
        codepage = _record(0x0042, struct.pack("<H", 1200))  # UTF-16
        return _bof(0x0005) + codepage + _record(0x0085, name) + _record(0x000A, b"")

    return book(len(book(0))) + body


def _ole2(stream: bytes, name: str = "Workbook") -> bytes:
    """A compound file (the container of .xls) holding one stream, in 512-byte sectors."""
    end, free, fat_sector, none = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    # at least 4096 bytes so the stream lives in ordinary sectors, not the mini stream
    data = stream + bytes(max(4096, -(-len(stream) // 512) * 512) - len(stream))
    sectors = len(data) // 512
    header = (
        bytes.fromhex("d0cf11e0a1b11ae1")
        + bytes(16)
        + struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6)
        + bytes(6)
        + struct.pack("<9I", 0, 1, 1, 0, 4096, end, 0, end, 0)
        + struct.pack("<I", 0)
        + struct.pack("<I", free) * 108
    )
    chain = [fat_sector, end, *range(3, 2 + sectors), end]
    fat = struct.pack("<128I", *(chain + [free] * (128 - len(chain))))

    def entry(title: str, kind: int, child: int, start: int, size: int) -> bytes:
        raw = title.encode("utf-16-le") + b"\0\0" if title else b""
        return (
            raw.ljust(64, b"\0")
            + struct.pack("<HBB", len(raw), kind, 1 if kind else 0)
            + struct.pack("<III", none, none, child)
            + bytes(36)
            + struct.pack("<IQ", start, size)
        )

    directory = (
        entry("Root Entry", 5, 1, end, 0)
        + entry(name, 2, none, 2, len(data))
        + entry("", 0, none, 0, 0) * 2
    )
    return header + fat + directory + data


def old_xls() -> bytes:
    """An Excel 97-2003 workbook (.xls), as older department systems still export: read."""
    return _ole2(
        _biff8(
            [
                DEATHS_ZH,
                [A, "张三", "2023-05-01", "公安"],
                [B, "李四", "2023-06-01", "殡葬"],
                [BAD_CHECK, "王五", "2023-07-01", "公安"],
            ]
        )
    )


def excel_number_ids_xls() -> bytes:
    """An .xls whose ID cells are numbers: the last digits are lost, as in an .xlsx."""
    return _ole2(
        _biff8(
            [DEATHS_ZH, [float(A), "张三", "2023-05-01", "公安"], [B, "李四", "2023-06-01", "殡葬"]]
        )
    )


# ------------------------------------------------------------ hostile or odd CSV bytes


def bare_cr_with_nul() -> bytes:
    """Records ending in a bare CR (old Mac / some exporters) and a NUL inside a name."""
    rows = [
        DEATHS,
        [A, "张三", "2023-05-01", "公安"],
        [B, "李\x00四", "2023-06-01", "殡葬"],
        [C, "王五", "2023-07-01", "公安"],
        [D, "赵六", "2023-08-01", "卫健"],
    ]
    return "".join(",".join(row) + "\r" for row in rows).encode()


def mixed_line_endings() -> bytes:
    """CR LF, LF and a bare CR in one file (files pasted together from several systems)."""
    lines = [
        ",".join(DEATHS) + "\r\n",
        f"{A},张三,2023-05-01,公安\n",
        f"{B},李四,2023-06-01,殡葬\r",
        f"{C},王五,2023-07-01,公安\r\n",
        f"{D},赵六,2023-08-01,卫健",
    ]
    return "".join(lines).encode()


def control_characters() -> bytes:
    """A BEL and an ESC in text cells (a broken export); a tab inside a quoted value is fine."""
    rows = [
        ELDERLY,
        [A, "张三", "径河街道", "张柏社区", "2023-05", "120", ""],
        [B, "李四", "径河\x07街道", "张柏社区", "2023-05", "120", ""],
        [C, "王五", '"吴家山\t街道"', "田园社区", "2023-05", "120", ""],
        [D, "赵六", "径河街道", "张柏社区\x1b", "2023-05", "120", ""],
    ]
    return _csv_text(rows).encode()


def stray_quote_csv() -> bytes:
    """A quote typed inside a name (张"三) makes the rest of the file one broken value."""
    rows = [DEATHS, [A, '张"三', "2023-05-01", "公安"]]
    rows += [[B, f"李四{i}", "2023-06-01", "殡葬"] for i in range(30)]
    return _csv_text(rows).encode()


# ------------------------------------------------------------ workbooks


def ambiguous_header_xlsx() -> bytes:
    """姓名 twice, once with a stray space: both read as the same column."""
    return _workbook([[*DEATHS_ZH, "姓 名"], [A, "张三", "2023-05-01", "公安", "张三"]])


def ambiguous_header_parquet() -> bytes:
    """name and Name: the same header once case is ignored."""
    return _parquet(
        pl.DataFrame(
            {
                "id_number": [A],
                "name": ["张三"],
                "Name": ["张三"],
                "death_date": ["2023-05-01"],
                "source": ["公安"],
            }
        )
    )


def xlsx_bomb() -> bytes:
    """A valid small workbook plus a 4 MB part of zeros packed into a few KB (ratio ~1000)."""
    source = zipfile.ZipFile(io.BytesIO(_workbook([DEATHS, [A, "张三", "2023-05-01", "公安"]])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        parts = [(info.filename, source.read(info)) for info in source.infolist()]
        for name, data in [*parts, ("xl/media/padding.bin", bytes(4 << 20))]:
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(info, data, compresslevel=9)
    return buffer.getvalue()


def utf16_csv() -> bytes:
    """Excel's "Unicode text" export: UTF-16 with a BOM, tab-separated."""
    text = "\t".join(DEATHS) + "\r\n" + "\t".join([A, "张三", "2023-05-01", "公安"]) + "\r\n"
    return text.encode("utf-16")


def undecodable_csv() -> bytes:
    """UTF-8 header, then bytes that are neither UTF-8 nor GB18030."""
    return ",".join(DEATHS).encode() + b"\r\n" + A.encode() + b",\x80\xff\x80,2023-05-01,\r\n"


def sources_gbk() -> bytes:
    return "datasets:\n  deaths:\n    columns:\n      证件号码: id_number\n".encode("gbk")


def sources_gbk_data() -> bytes:
    return _csv_text(
        [["证件号码", "name", "death_date", "source"], [A, "张三", "2023-05-01", "公安"]]
    ).encode()


def xlsx_title_row() -> bytes:
    """A merged title row above Chinese headers, as departments export; row 5 has a bad ID."""
    return _workbook(
        [
            ELDERLY_ZH,
            [A, "张三", "径河街道", "张柏社区", "2023-05", 120, None],
            [B, "李四", "径河街道", "张柏社区", "2023-05", 120.5, "6217002870001234567"],
            [BAD_CHECK, "王五", "径河街道", "张柏社区", "2023-05", 120, None],
            [C, "赵六", "吴家山街道", "田园社区", "2023年5月", "120", None],
        ],
        title="2023年5月高龄津贴发放名册",
    )


def xlsx_cover_sheet_first() -> bytes:
    """A 填报说明 (instructions) sheet before the table: the table's sheet is found."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.set_properties({"created": CREATED, "author": "huimin tests"})
    cover = book.add_worksheet("填报说明")
    cover.write_string(0, 0, "本表由各街道填报，身份证号码请以文本格式录入。")
    table = book.add_worksheet("死亡人员")
    text = book.add_format({"num_format": "@"})
    rows = [["公民身份号码", "姓名", "死亡日期", "数据来源"], [A, "张三", "2023-05-01", "公安"]]
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.write_string(r, c, value, text)
    book.close()
    return buffer.getvalue()


def gbk_csv_chinese_headers() -> bytes:
    rows = [
        ELDERLY_ZH,
        [A, "张三", "径河街道", "张柏社区", "2023-05", "120", ""],
        [B, "李四", "吴家山街道", "田园社区", "2023年5月", "98.50", ""],
    ]
    return _csv_text(rows).encode("gbk")


def utf8_bom_csv() -> bytes:
    rows = [DEATHS, [A, "张三", "2023-05-01", "公安"], [B, "李四", "2023/6/1", "殡葬"]]
    return _csv_text(rows).encode("utf-8-sig")


def xlsx_date_cells() -> bytes:
    return _workbook(
        [
            ["公民身份号码", "姓名", "死亡日期", "数据来源"],
            [A, "张三", dt.date(2023, 5, 1), "公安"],
            [B, "李四", dt.date(2023, 12, 31), "殡葬"],
        ]
    )


def parquet_typed() -> bytes:
    return _parquet(
        pl.DataFrame(
            {
                "id_number": [A, B, "42011219751231104x"],
                "name": ["张三", "李四", "王五"],
                "death_date": [dt.date(2023, 5, 1), dt.date(2023, 6, 1), None],
                "source": ["公安", "殡葬", "卫健"],
            }
        )
    )


# ------------------------------------------------------------ the province's clue list

CLUES_ZH = [
    "线索编号",
    "业务主管部门",
    "项目名称",
    "街道",
    "所属单位",
    "身份证号码",
    "姓名",
    "问题描述",
    "涉及金额（元）",
    "下发日期",
]
CLUES_TITLE = "湖北省惠民惠农政策落实大数据监察系统下发东西湖区问题线索"
GRAIN = "实际种粮农民一次性补贴"


def clues_title_row_xlsx() -> bytes:
    """The province's form: a merged title row, Chinese headers, date cells; row 6 bad ID."""
    day = dt.date(2023, 8, 15)
    return _workbook(
        [
            CLUES_ZH,
            [
                "HB-2023-0001",
                "区财政局",
                GRAIN,
                "辛安渡街",
                None,
                A,
                "张三",
                "对象已死亡",
                325.5,
                day,
            ],
            [
                "HB-2023-0002",
                "区商务局",
                "汽车以旧换新补贴",
                None,
                "某汽车销售公司",
                None,
                None,
                "经销商重复申报",
                15000,
                day,
            ],
            [
                "HB-2023-0003",
                "区民政局",
                "城乡低保",
                "径河街道",
                None,
                B,
                "李四",
                "财政供养人员",
                "1,200.00",
                "2023年8月16日",
            ],
            [
                "HB-2023-0004",
                "区民政局",
                "城乡低保",
                "径河街道",
                None,
                BAD_CHECK,
                "王五",
                "对象已死亡",
                100,
                day,
            ],
        ],
        title=CLUES_TITLE,
    )


def clues_excel_number_ids_xlsx() -> bytes:
    """The ID column typed as numbers in the province's workbook: last digits lost, refused."""
    day = dt.date(2023, 8, 15)
    return _workbook(
        [
            CLUES_ZH,
            [
                "HB-2023-0001",
                "区财政局",
                GRAIN,
                "辛安渡街",
                None,
                float(A),
                "张三",
                "对象已死亡",
                325.5,
                day,
            ],
            ["HB-2023-0002", "区财政局", GRAIN, "辛安渡街", None, B, "李四", "对象已死亡", 20, day],
        ],
        title=CLUES_TITLE,
    )


def clues_gbk_csv() -> bytes:
    rows = [
        CLUES_ZH,
        [
            "HB-2023-0001",
            "区财政局",
            GRAIN,
            "辛安渡街",
            "",
            A,
            "张三",
            "对象已死亡",
            "325.50",
            "2023-08-15",
        ],
        [
            "HB-2023-0002",
            "区民政局",
            "城乡低保",
            "径河街道",
            "",
            B,
            "李四",
            "财政供养人员",
            "",
            "2023/8/16",
        ],
    ]
    return _csv_text(rows).encode("gbk")


def clues_header_only_xlsx() -> bytes:
    """An empty clue list: the title and the header, no clue."""
    return _workbook([CLUES_ZH], title=CLUES_TITLE)


FIXTURES: dict[str, Callable[[], bytes]] = {
    "w04_garbage_bytes_xlsx/population.xlsx": garbage_xlsx,
    "w05_truncated_parquet/deaths.parquet": truncated_parquet,
    "w06_xlsx_named_csv/deaths.csv": xlsx_named_csv,
    "w07_excel_number_ids_xlsx/elderly_allowance.xlsx": excel_number_ids_xlsx,
    "w09_parquet_integer_ids/deaths.parquet": parquet_integer_ids,
    "w10_empty_file_0_bytes/deaths.csv": empty_file,
    "w11_blank_lines_only/deaths.csv": blank_lines_only,
    "w13_header_only_xlsx/deaths.xlsx": header_only_xlsx,
    "w18_utf16_csv/deaths.csv": utf16_csv,
    "w19_undecodable_bytes_csv/deaths.csv": undecodable_csv,
    "w25_sources_yaml_gbk/sources.yaml": sources_gbk,
    "w25_sources_yaml_gbk/deaths.csv": sources_gbk_data,
    "w26_empty_sheet_xlsx/deaths.xlsx": empty_sheet_xlsx,
    "r50_old_xls_read/deaths.xls": old_xls,
    "w34_excel_number_ids_xls/deaths.xls": excel_number_ids_xls,
    "r43_bare_cr_with_nul/deaths.csv": bare_cr_with_nul,
    "r44_mixed_line_endings/deaths.csv": mixed_line_endings,
    "r46_control_characters/elderly_allowance.csv": control_characters,
    "w28_stray_quote_csv/deaths.csv": stray_quote_csv,
    "w30_ambiguous_header_xlsx/deaths.xlsx": ambiguous_header_xlsx,
    "w31_ambiguous_header_parquet/deaths.parquet": ambiguous_header_parquet,
    "w32_xlsx_zip_bomb/deaths.xlsx": xlsx_bomb,
    "r21_xlsx_title_row_accepted/elderly_allowance.xlsx": xlsx_title_row,
    "r42_xlsx_cover_sheet_first/deaths.xlsx": xlsx_cover_sheet_first,
    "r22_gbk_csv_chinese_headers/elderly_allowance.csv": gbk_csv_chinese_headers,
    "r23_utf8_bom_csv/deaths.csv": utf8_bom_csv,
    "r27_xlsx_date_cells_accepted/deaths.xlsx": xlsx_date_cells,
    "r28_parquet_typed_source_rows/deaths.parquet": parquet_typed,
    "p01_clues_xlsx_title_row_accepted/province_clues.xlsx": clues_title_row_xlsx,
    "p05_clues_excel_number_ids/province_clues.xlsx": clues_excel_number_ids_xlsx,
    "p06_clues_gbk_csv/province_clues.csv": clues_gbk_csv,
    "p07_clues_empty_list/province_clues.xlsx": clues_header_only_xlsx,
}


def generate(root: Path) -> list[Path]:
    """Write every fixture under ``root``; return the paths written."""
    written = []
    for name, make in FIXTURES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(make())
        written.append(path)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
    for path in generate(target):
        print(path)
