"""Finding the dataset files of an input folder: sources.yaml read with places kept, hostile
YAML refused before anything is expanded, mapped files kept inside the folder, files huimin
does not read listed with the reason, datasets a district never sends declared absent."""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

import pytest

from huimin.errors import ConfigError
from huimin.sources import MAX_SOURCES_BYTES, discover

DEATHS = "id_number,name,death_date,source\n420112193503120112,张三,2023-05-01,公安\n"


def _folder(tmp_path: Path, sources: str | None, *files: str) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in files:
        (folder / name).write_text(DEATHS, encoding="utf-8")
    if sources is not None:
        (folder / "sources.yaml").write_text(textwrap.dedent(sources), encoding="utf-8")
    return folder


def _refused(folder: Path, *words: str) -> str:
    with pytest.raises(ConfigError) as caught:
        discover(folder)
    message = str(caught.value)
    assert "\n" not in message, message
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
    return message


# ------------------------------------------------------------------ what still works


def test_mapping_file_and_columns(tmp_path: Path) -> None:
    folder = _folder(
        tmp_path,
        """\
        datasets:
          deaths:
            file: 2023年死亡名单.csv
            columns:
              证件号码: id_number
        """,
        "2023年死亡名单.csv",
    )
    found = discover(folder)
    assert [(s.dataset, s.path.name, s.renames) for s in found.sources] == [
        ("deaths", "2023年死亡名单.csv", {"证件号码": "id_number"})
    ]
    assert found.errors == [] and found.ignored == [] and found.absent == frozenset()


def test_empty_sources_file_is_no_mapping(tmp_path: Path) -> None:
    folder = _folder(tmp_path, "# nothing mapped yet\n", "deaths.csv")
    assert [s.dataset for s in discover(folder).sources] == ["deaths"]


def test_unknown_dataset_is_located(tmp_path: Path) -> None:
    folder = _folder(tmp_path, "datasets:\n  dibao:\n    file: 低保.csv\n", "deaths.csv")
    _refused(folder, "sources.yaml:2:3:", "unknown dataset 'dibao'", "known:", "dibao_rural")


def test_unknown_top_key_is_located(tmp_path: Path) -> None:
    folder = _folder(tmp_path, "dataset: {}\n", "deaths.csv")
    _refused(folder, "sources.yaml:1:1:", "unknown key 'dataset'", "datasets, absent")


def test_duplicate_key_is_located(tmp_path: Path) -> None:
    folder = _folder(tmp_path, "datasets:\n  deaths: {}\n  deaths: {}\n", "deaths.csv")
    _refused(folder, "sources.yaml:3:3:", "duplicate key 'deaths'", "line 2")


# ------------------------------------------------------------------ mapped files


def test_mapped_file_absent_from_folder(tmp_path: Path) -> None:
    folder = _folder(tmp_path, "datasets:\n  deaths:\n    file: 死亡.csv\n", "deaths.csv")
    _refused(folder, "sources.yaml:3:11:", "file '死亡.csv' is not in the input folder")


@pytest.mark.parametrize("name", ["../deaths.csv", "sub/deaths.csv", "/etc/passwd", "..", "a\\b"])
def test_mapped_file_outside_folder(tmp_path: Path, name: str) -> None:
    folder = _folder(tmp_path, f"datasets:\n  deaths:\n    file: '{name}'\n", "deaths.csv")
    (tmp_path / "deaths.csv").write_text(DEATHS, encoding="utf-8")
    _refused(folder, "sources.yaml:3:11:", "without any folder part")


def test_mapped_file_linking_outside(tmp_path: Path) -> None:
    folder = _folder(tmp_path, "datasets:\n  deaths:\n    file: 死亡.csv\n")
    outside = tmp_path / "elsewhere.csv"
    outside.write_text(DEATHS, encoding="utf-8")
    (folder / "死亡.csv").symlink_to(outside)
    _refused(folder, "sources.yaml:3:11:", "a link to a file outside the input folder")


def test_mapped_file_must_be_a_file(tmp_path: Path) -> None:
    folder = _folder(tmp_path, "datasets:\n  deaths:\n    file: sub\n")
    (folder / "sub").mkdir()
    _refused(folder, "sources.yaml:3:11:", "file 'sub' is not a file")


def test_one_file_mapped_twice(tmp_path: Path) -> None:
    sources = "datasets:\n  deaths:\n    file: x.csv\n  inmates:\n    file: x.csv\n"
    folder = _folder(tmp_path, sources, "x.csv")
    _refused(folder, "sources.yaml:5:11:", "already mapped to dataset 'deaths'")


# ------------------------------------------------------------------ links among data files


def test_data_file_linking_outside_is_refused(tmp_path: Path) -> None:
    folder = _folder(tmp_path, None, "inmates.csv")
    outside = tmp_path / "secret.csv"
    outside.write_text(DEATHS, encoding="utf-8")
    (folder / "deaths.csv").symlink_to(outside)
    found = discover(folder)
    assert [s.dataset for s in found.sources] == ["inmates"]
    (error,) = found.errors
    assert error.path == folder / "deaths.csv"
    assert "a link to a file outside the input folder" in error.one_line()


def test_data_file_linking_inside_is_read(tmp_path: Path) -> None:
    folder = _folder(tmp_path, None, "2023.csv")
    (folder / "deaths.csv").symlink_to(folder / "2023.csv")
    found = discover(folder)
    assert [s.dataset for s in found.sources] == ["deaths"]
    assert [e.path.name for e in found.errors] == ["2023.csv"]  # an unknown dataset name


def test_broken_link_is_refused(tmp_path: Path) -> None:
    folder = _folder(tmp_path, None)
    (folder / "deaths.csv").symlink_to(tmp_path / "gone.csv")
    (error,) = discover(folder).errors
    assert "a link to a file that does not exist" in error.one_line()


def test_sources_file_linking_outside(tmp_path: Path) -> None:
    folder = _folder(tmp_path, None, "deaths.csv")
    outside = tmp_path / "other.yaml"
    outside.write_text("datasets: {}\n", encoding="utf-8")
    (folder / "sources.yaml").symlink_to(outside)
    _refused(folder, "sources.yaml", "a link to a file outside the input folder")


# ------------------------------------------------------------------ files not read


def test_ignored_files_are_listed_with_why(tmp_path: Path) -> None:
    folder = _folder(tmp_path, None, "deaths.csv")
    for name in (".DS_Store", "~$deaths.xlsx", "README.txt"):
        (folder / name).write_text("x", encoding="utf-8")
    (folder / "old").mkdir()
    found = discover(folder)
    assert [s.dataset for s in found.sources] == ["deaths"]
    assert found.errors == []
    reasons = {path.name: why for path, why in found.ignored}
    assert set(reasons) == {".DS_Store", "~$deaths.xlsx", "README.txt", "old"}
    assert "hidden" in reasons[".DS_Store"]
    assert "Excel lock file" in reasons["~$deaths.xlsx"]
    assert "not a dataset file" in reasons["README.txt"]
    assert "folder" in reasons["old"]
    assert all(path.parent == folder for path, _ in found.ignored)


def test_wrong_extension_of_a_dataset_is_still_an_error(tmp_path: Path) -> None:
    folder = _folder(tmp_path, None, "deaths.ods")
    found = discover(folder)
    assert found.ignored == []
    assert "'.ods' is not a form huimin reads" in found.errors[0].one_line()


# ------------------------------------------------------------------ datasets declared absent


def test_absent_datasets(tmp_path: Path) -> None:
    folder = _folder(tmp_path, "absent: [vehicles, enterprises]\n", "deaths.csv")
    found = discover(folder)
    assert found.absent == frozenset({"vehicles", "enterprises"})
    assert [s.dataset for s in found.sources] == ["deaths"]


def test_absent_unknown_dataset(tmp_path: Path) -> None:
    folder = _folder(tmp_path, "absent:\n  - vehicles\n  - vehicle\n", "deaths.csv")
    _refused(folder, "sources.yaml:3:5:", "unknown dataset 'vehicle'")


def test_absent_must_be_a_list(tmp_path: Path) -> None:
    folder = _folder(tmp_path, "absent: vehicles\n", "deaths.csv")
    _refused(folder, "sources.yaml:1:9:", "'absent' must list the datasets")


def test_absent_but_sent(tmp_path: Path) -> None:
    folder = _folder(tmp_path, "absent: [inmates, deaths]\n", "deaths.csv")
    _refused(folder, "sources.yaml:1:19:", "'deaths' is declared absent", "deaths.csv")


def test_absent_and_mapped(tmp_path: Path) -> None:
    sources = "datasets:\n  deaths:\n    file: deaths.csv\nabsent: [deaths]\n"
    folder = _folder(tmp_path, sources, "deaths.csv")
    _refused(folder, "sources.yaml:4:10:", "declared absent and also mapped")


# ------------------------------------------------------------------ hostile YAML


def test_alias_bomb_is_refused_before_expansion(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for i in range(1, 30):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]")
    folder = _folder(tmp_path, "\n".join(lines) + "\n", "deaths.csv")
    started = time.perf_counter()
    _refused(folder, "sources.yaml:1:5:", "YAML anchor '&a0' is not allowed")
    assert time.perf_counter() - started < 5  # 10**30 strings were never built


def test_alias_is_refused(tmp_path: Path) -> None:
    folder = _folder(tmp_path, "datasets:\n  deaths: *x\n", "deaths.csv")
    _refused(folder, "sources.yaml:2:11:", "YAML alias '*x' is not allowed")


def test_merge_key_is_refused(tmp_path: Path) -> None:
    folder = _folder(tmp_path, "datasets:\n  deaths:\n    <<: {file: deaths.csv}\n", "deaths.csv")
    _refused(folder, "sources.yaml:3:5:", "merge keys (<<) are not allowed")


@pytest.mark.parametrize(
    "tag", ["!!python/object/apply:os.system", "!!python/name:os.system", "!custom"]
)
def test_tags_are_refused(tmp_path: Path, tag: str) -> None:
    folder = _folder(tmp_path, f"datasets:\n  deaths:\n    file: {tag} ['ls']\n", "deaths.csv")
    _refused(folder, "sources.yaml:3:11:", f"YAML tag '{tag}' is not allowed")


def test_deep_nesting_is_refused(tmp_path: Path) -> None:
    folder = _folder(tmp_path, "datasets: " + "[" * 500 + "]" * 500 + "\n", "deaths.csv")
    _refused(folder, "sources.yaml:1:", "nest more than")


def test_large_file_is_refused_unread(tmp_path: Path) -> None:
    folder = _folder(tmp_path, None, "deaths.csv")
    (folder / "sources.yaml").write_bytes(b"# padding\n" * (MAX_SOURCES_BYTES // 10 + 1))
    _refused(folder, "sources.yaml", "more than a sources.yaml may be (1 MB)")


def test_syntax_error_is_located(tmp_path: Path) -> None:
    folder = _folder(tmp_path, "datasets:\n  deaths:\n    columns:\n\t证件号码: id_number\n")
    _refused(folder, "sources.yaml:4:1:", "not valid YAML", "check the indentation")
