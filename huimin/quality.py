"""Quarantine thresholds: validation that can fail.

Every dataset's quarantine rate (rows set aside at ingestion / rows read), overall and for each
reason, is judged against limits from ``data/reference/quality-thresholds.yaml`` (project
defaults and per-dataset overrides), optionally overridden by a district's ``thresholds.yaml``
in the input folder. A rate above its limit is a :class:`Breach`: the dataset is marked failed
in the validation report and on the console, and the run ends with the "checks failed" exit
code (:func:`quality_exit_code`). The file format is documented in ``docs/validation.md``.

The files are read with the located YAML loader of the rule catalogue, which refuses anchors,
aliases and tags; every error names ``file:line:column``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from huimin.contract import DATASETS
from huimin.errors import EXIT_CHECKS_FAILED, EXIT_OK, ConfigError
from huimin.resources import project_file
from huimin.rules.model import Loc
from huimin.rules.yamlsrc import YMap, YNode, YScalar, config_tree, suggest

if TYPE_CHECKING:
    from huimin.ingest import DatasetResult

PROJECT_THRESHOLDS: Final = project_file("data", "reference", "quality-thresholds.yaml")
#: the district's own thresholds, in its input folder
DISTRICT_FILE: Final = "thresholds.yaml"
MAX_FILE_BYTES: Final = 1 << 20
TOP_KEYS: Final = ("defaults", "datasets")
LIMIT_KEYS: Final = ("max_quarantined", "max_per_reason", "reasons")
DEFAULT_LIMITS: Final = {"max_quarantined": 0.05, "max_per_reason": 0.01}


@dataclass(frozen=True)
class Limits:
    """The limits of one dataset: overall, for any one reason, and for named reasons."""

    max_quarantined: float
    max_per_reason: float
    reasons: Mapping[str, float] = field(default_factory=dict)

    def for_reason(self, reason: str) -> float:
        return self.reasons.get(reason, self.max_per_reason)


@dataclass(frozen=True)
class Thresholds:
    """Project defaults, per-dataset overrides and the files they were read from."""

    defaults: Limits
    datasets: Mapping[str, Limits] = field(default_factory=dict)
    files: tuple[str, ...] = ()

    def for_dataset(self, dataset: str) -> Limits:
        return self.datasets.get(dataset, self.defaults)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, for the manifest (no personal data: names and rates only)."""

        def limits(item: Limits) -> dict[str, Any]:
            return {
                "max_quarantined": item.max_quarantined,
                "max_per_reason": item.max_per_reason,
                "reasons": dict(item.reasons),
            }

        return {
            "files": list(self.files),
            "defaults": limits(self.defaults),
            "datasets": {name: limits(item) for name, item in sorted(self.datasets.items())},
        }


@dataclass(frozen=True)
class RateCheck:
    """One quarantine rate judged against its limit (``reason`` None: all reasons together)."""

    dataset: str
    reason: str | None
    quarantined: int
    rows_in: int
    limit: float

    @property
    def rate(self) -> float:
        return self.quarantined / self.rows_in if self.rows_in else 0.0

    @property
    def breached(self) -> bool:
        return self.rate > self.limit

    @property
    def what(self) -> str:
        return "of rows quarantined" if self.reason is None else f"quarantined for {self.reason}"

    def words(self) -> str:
        """E.g. ``inmates: 55.6% of rows quarantined (5 of 9), above the limit of 10%``."""
        verdict = "above" if self.breached else "within"
        return (
            f"{self.dataset}: {percent(self.rate)} {self.what} "
            f"({self.quarantined:,} of {self.rows_in:,}), {verdict} the limit of "
            f"{percent(self.limit)}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "reason": self.reason,
            "quarantined": self.quarantined,
            "rows_in": self.rows_in,
            "rate": round(self.rate, 6),
            "limit": self.limit,
            "breached": self.breached,
            "words": self.words(),
        }


#: a rate above its limit
Breach = RateCheck


def percent(value: float) -> str:
    """0.556 → ``55.6%``; 0.05 → ``5%``."""
    text = f"{value * 100:.2f}".rstrip("0").rstrip(".")
    return f"{text}%"


# ---------------------------------------------------------------------------- judging


def dataset_checks(result: DatasetResult, thresholds: Thresholds) -> list[RateCheck]:
    """Every rate of one ingested dataset: overall first, then each reason (sorted)."""
    if not result.ok or result.rows_in <= 0:
        return []
    limits = thresholds.for_dataset(result.dataset)
    out = [
        RateCheck(
            result.dataset, None, result.rows_quarantined, result.rows_in, limits.max_quarantined
        )
    ]
    for reason in sorted(set(result.reasons) | set(limits.reasons)):
        count = result.reasons.get(reason, 0)
        out.append(
            RateCheck(result.dataset, reason, count, result.rows_in, limits.for_reason(reason))
        )
    return out


def rate_checks(
    results: Iterable[DatasetResult], thresholds: Thresholds
) -> dict[str, list[RateCheck]]:
    """Dataset → its rate checks, for every dataset ingested without error."""
    return {r.dataset: checks for r in results if (checks := dataset_checks(r, thresholds))}


def judge(results: list[DatasetResult], thresholds: Thresholds) -> list[Breach]:
    """The rates above their limits, by dataset, the overall rate before the reasons."""
    return [
        check
        for checks in rate_checks(results, thresholds).values()
        for check in checks
        if check.breached
    ]


def failed_datasets(breaches: Sequence[Breach]) -> list[str]:
    return sorted({b.dataset for b in breaches})


def quality_exit_code(breaches: Sequence[Breach]) -> int:
    """``EXIT_CHECKS_FAILED`` (1) when any rate is above its limit, else ``EXIT_OK``."""
    return EXIT_CHECKS_FAILED if breaches else EXIT_OK


def breach_lines(breaches: Sequence[Breach]) -> list[str]:
    """One line per failed dataset, for the console: its overall rate when above the limit,
    then how many reasons are above theirs and the worst (names, reason codes, counts only)."""
    lines = []
    for dataset in failed_datasets(breaches):
        mine = [b for b in breaches if b.dataset == dataset]
        parts = [b.words().split(": ", 1)[1] for b in mine if b.reason is None]
        reasons = sorted((b for b in mine if b.reason is not None), key=lambda b: -b.rate)
        if reasons:
            worst = reasons[0]
            parts.append(
                f"{len(reasons)} reason{'s' * (len(reasons) > 1)} above the limit, worst "
                f"{worst.reason} at {percent(worst.rate)} (limit {percent(worst.limit)})"
            )
        lines.append(f"{dataset} failed the quarantine thresholds: {'; '.join(parts)}")
    return lines


# ---------------------------------------------------------------------------- loading


def _read(path: Path) -> YNode | None:
    try:
        size = path.stat().st_size
    except OSError:
        raise ConfigError(f"{path}: cannot be read: check that the file exists") from None
    if size > MAX_FILE_BYTES:
        raise ConfigError(f"{path}: more than {MAX_FILE_BYTES >> 20} MB: it holds a few limits")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text: save it as UTF-8") from None
    except OSError:
        raise ConfigError(f"{path}: cannot be read: check its permissions") from None
    return config_tree(text, path)


def _mapping(node: YNode, what: str) -> YMap:
    if isinstance(node, YMap):
        return node
    raise ConfigError(f"{node.loc}: {what} must be a mapping (key: value lines)")


def _keys(node: YMap, allowed: Sequence[str], what: str) -> None:
    for key in node.entries:
        if key not in allowed:
            hint = suggest(key, allowed)
            extra = f" (did you mean '{hint}'?)" if hint else ""
            raise ConfigError(
                f"{node.key_locs[key]}: unknown key '{key}' in {what}{extra}; "
                f"allowed: {', '.join(allowed)}"
            )


def _rate(node: YNode, what: str) -> float:
    """A share between 0 and 1, written 0.05 or "5%"."""
    value: float | None = None
    if isinstance(node, YScalar) and node.kind in ("int", "float"):
        value = float(node.value)
    elif isinstance(node, YScalar) and node.kind == "str" and node.text.strip().endswith("%"):
        try:
            value = float(node.text.strip()[:-1]) / 100
        except ValueError:
            value = None
    if value is None or not 0 <= value <= 1:
        raise ConfigError(
            f"{node.loc}: {what} must be a share of the rows between 0 and 1, written 0.05 or '5%'"
        )
    return value


def _limits(node: YNode, base: Mapping[str, Any], what: str) -> dict[str, Any]:
    """``base`` with the values ``node`` sets (reasons are merged key by key)."""
    entry = _mapping(node, what)
    _keys(entry, LIMIT_KEYS, what)
    out = dict(base)
    for key in ("max_quarantined", "max_per_reason"):
        if key in entry.entries:
            out[key] = _rate(entry.entries[key], f"{key} of {what}")
    if "reasons" in entry.entries:
        reasons = _mapping(entry.entries["reasons"], f"reasons of {what}")
        merged = dict(out.get("reasons", {}))
        for reason, value in reasons.entries.items():
            merged[reason] = _rate(value, f"the limit for reason '{reason}' in {what}")
        out["reasons"] = merged
    return out


def _dataset_name(name: str, loc: Loc) -> str:
    if name in DATASETS:
        return name
    hint = suggest(name, DATASETS)
    extra = f" (did you mean '{hint}'?)" if hint else ""
    raise ConfigError(f"{loc}: '{name}' is not a dataset of the data contract{extra}")


def _apply(
    tree: YNode, defaults: dict[str, Any], datasets: dict[str, dict[str, Any]]
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Layer one file over the values read so far."""
    top = _mapping(tree, "the thresholds file")
    _keys(top, TOP_KEYS, "the thresholds file")
    if "defaults" in top.entries:
        defaults = _limits(top.entries["defaults"], defaults, "defaults")
    out = dict(datasets)
    if "datasets" in top.entries:
        entries = _mapping(top.entries["datasets"], "datasets")
        for name, node in entries.entries.items():
            _dataset_name(name, entries.key_locs[name])
            out[name] = _limits(node, out.get(name, {}), f"dataset '{name}'")
    return defaults, out


def _freeze(values: Mapping[str, Any]) -> Limits:
    return Limits(
        float(values["max_quarantined"]),
        float(values["max_per_reason"]),
        dict(values.get("reasons", {})),
    )


def load_thresholds(
    project_file: Path | None = PROJECT_THRESHOLDS, district_file: Path | None = None
) -> Thresholds:
    """The thresholds in force: built-in defaults, then ``project_file``, then
    ``district_file`` (each optional; a district file that does not exist is skipped, the
    project file must exist when given). A dataset's override starts from the defaults in
    force after both files, so a district's new default applies to every dataset that does
    not set its own value.

    Raises:
        ConfigError: a file is unreadable, not YAML, uses anchors/aliases/tags, or has an
            unknown key, dataset or a rate outside 0–1; the message names ``file:line:col``.
    """
    defaults: dict[str, Any] = dict(DEFAULT_LIMITS)
    overrides: dict[str, dict[str, Any]] = {}
    files: list[str] = []
    for path, required in ((project_file, True), (district_file, False)):
        if path is None or (not required and not Path(path).exists()):
            continue
        tree = _read(Path(path))
        files.append(str(path))
        if tree is not None:
            defaults, overrides = _apply(tree, defaults, overrides)
    base = _freeze(defaults)
    datasets = {
        name: _freeze(
            {
                **defaults,
                **values,
                "reasons": {**defaults.get("reasons", {}), **values.get("reasons", {})},
            }
        )
        for name, values in overrides.items()
    }
    return Thresholds(base, datasets, tuple(files))
