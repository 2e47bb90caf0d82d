"""The Great Expectations side of the validation report: suites, results, one Data Docs site.

GX gets no rows: each suite's results were computed in polars (:mod:`huimin.reports.metrics`);
:class:`DocsSite` turns them into GX validation results, exactly as GX's own validator lays them
out (the configuration with its ``batch_id``, ``exception_info``, the statistics), stores them
with their suites in an ephemeral context and builds the Data Docs from them. Great Expectations
is imported here only, lazily (it takes seconds), with its analytics off.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import uuid
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from huimin.reports.expectations import ExpectationSpec
from huimin.reports.metrics import Outcome

# Must be set before great_expectations is first imported (it is imported lazily, below).
os.environ["GX_ANALYTICS_ENABLED"] = "False"

SITE_NAME = "local_site"  # the site every ephemeral context owns; pointed at our directory
#: what the results name as their data source (the batch ids ``huimin_staged-<suite>``)
DATASOURCE = "huimin_staged"
_GX_LOGGER = "great_expectations"
#: GX's own stand-in for a frame passed in memory, kept in the results' batch parameters
_DATAFRAME = "<DATAFRAME>"


class QuietGx:
    """Keep Great Expectations' DEBUG/INFO/WARNING chatter out of the CLI, then restore levels.

    Loggers below ``great_expectations`` inherit ERROR from it, but some GX modules set their
    own logger to INFO when imported: :meth:`silence` again after importing catches those.
    """

    def __init__(self) -> None:
        self._saved: dict[str, int] = {}

    def silence(self) -> None:
        names = [
            name
            for name, item in logging.root.manager.loggerDict.items()
            if isinstance(item, logging.Logger) and name.split(".")[0] == _GX_LOGGER
        ]
        for name in (_GX_LOGGER, *names):
            if name not in self._saved:
                logger = logging.getLogger(name)
                self._saved[name] = logger.level
                logger.setLevel(logging.ERROR)

    def restore(self) -> None:
        for name, level in self._saved.items():
            logging.getLogger(name).setLevel(level)
        self._saved.clear()


def import_gx() -> tuple[Any, Any]:
    """Import great_expectations (slow: seconds) only when a report is built."""
    with warnings.catch_warnings():
        # great_expectations 1.x imports the stdlib sre_constants and sre_parse, deprecated in 3.11
        warnings.filterwarnings(
            "ignore",
            message="module 'sre_(constants|parse)' is deprecated",
            category=DeprecationWarning,
        )
        import great_expectations as gx
        import great_expectations.expectations as gxe

    return gx, gxe


def _new_context(gx: Any, site_dir: Path) -> Any:
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    sites = context.variables.data_docs_sites or {}
    default_dir = sites.get(SITE_NAME, {}).get("store_backend", {}).get("base_directory")
    context.update_data_docs_site(
        SITE_NAME,
        {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(site_dir),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )
    if default_dir:  # the empty temporary directory GX made for the default site
        with contextlib.suppress(OSError):
            Path(default_dir).rmdir()
    return context


class DocsSite:
    """An ephemeral GX context writing its Data Docs to ``site_dir``, one run for all suites."""

    def __init__(self, site_dir: Path) -> None:
        self.gx, self.gxe = import_gx()
        from great_expectations.core.run_identifier import RunIdentifier

        self.context = _new_context(self.gx, site_dir)
        self.run_id = RunIdentifier(run_name="huimin", run_time=dt.datetime.now(dt.UTC))

    def add(
        self,
        name: str,
        specs: Sequence[ExpectationSpec],
        outcomes: Sequence[Outcome],
        *,
        notes: list[str],
        meta: dict[str, Any],
    ) -> Any:
        """Store suite ``name`` and its results (``outcomes[i]`` of ``specs[i]``); return the
        ``ExpectationSuiteValidationResult``."""
        from great_expectations.core.expectation_validation_result import (
            ExpectationSuiteValidationResult,
            ExpectationValidationResult,
        )
        from great_expectations.data_context.types.resource_identifiers import (
            ExpectationSuiteIdentifier,
            ValidationResultIdentifier,
        )
        from great_expectations.validator.validation_statistics import calc_validation_statistics

        suite = self.context.suites.add(
            self.gx.ExpectationSuite(
                name=name,
                expectations=[self._expectation(spec) for spec in specs],
                notes=notes,
                meta=meta,
            )
        )
        batch_id = f"{DATASOURCE}-{name}"
        results = []
        for expectation, outcome in _by_column(suite.expectations, outcomes):
            config = expectation.configuration
            config.kwargs["batch_id"] = batch_id
            results.append(
                ExpectationValidationResult(
                    success=outcome.success,
                    expectation_config=config,
                    result=outcome.result,
                    exception_info=_exception_info(outcome),
                )
            )
        stats = calc_validation_statistics(results)
        result = ExpectationSuiteValidationResult(
            results=results,
            success=stats.success,
            suite_name=name,
            statistics={
                "evaluated_expectations": stats.evaluated_expectations,
                "successful_expectations": stats.successful_expectations,
                "unsuccessful_expectations": stats.unsuccessful_expectations,
                "success_percent": stats.success_percent,
            },
            meta=self._meta(name),
            batch_id=batch_id,
        )
        suite_id = ExpectationSuiteIdentifier(name=name)
        self.context.validation_results_store.store_validation_results(
            suite_validation_result=result,
            suite_validation_result_identifier=ValidationResultIdentifier(
                expectation_suite_identifier=suite_id, run_id=self.run_id, batch_identifier=batch_id
            ),
            expectation_suite_identifier=suite_id,
        )
        return result

    def build(self) -> None:
        self.context.build_data_docs(site_names=[SITE_NAME])

    def _expectation(self, spec: ExpectationSpec) -> Any:
        kind = getattr(self.gxe, spec.type)
        return kind(**spec.kwargs, notes=spec.notes, meta={"group": spec.group})

    def _meta(self, name: str) -> dict[str, Any]:
        """What GX's validator records of a run on a frame passed in memory."""
        now = dt.datetime.now(dt.UTC)
        return {
            "great_expectations_version": self.gx.__version__,
            "batch_spec": {"batch_data": "PolarsDataFrame"},
            "batch_markers": {"ge_load_time": now.strftime("%Y%m%dT%H%M%S.%fZ")},
            "active_batch_definition": {
                "datasource_name": DATASOURCE,
                "data_connector_name": "fluent",
                "data_asset_name": name,
                "batch_identifiers": {"dataframe": _DATAFRAME},
            },
            "validation_id": str(uuid.uuid4()),
            "checkpoint_id": None,
            "run_id": self.run_id,
            "validation_time": self.run_id.run_time,
            "batch_parameters": {"dataframe": _DATAFRAME},
        }


def _by_column(
    expectations: Sequence[Any], outcomes: Sequence[Outcome]
) -> list[tuple[Any, Outcome]]:
    """The order GX's validator reports results in: grouped by column, each group where its
    column first appears (expectations without a column form one group)."""
    groups: dict[str, list[tuple[Any, Outcome]]] = {}
    for expectation, outcome in zip(expectations, outcomes, strict=True):
        column = getattr(expectation, "column", None)
        key = column if isinstance(column, str) else "\0no column"
        groups.setdefault(key, []).append((expectation, outcome))
    return [pair for group in groups.values() for pair in group]


def _exception_info(outcome: Outcome) -> dict[str, Any]:
    if outcome.error is None:
        return {"raised_exception": False, "exception_traceback": None, "exception_message": None}
    message = outcome.error.strip().splitlines()[-1] if outcome.error.strip() else ""
    return {
        "raised_exception": True,
        "exception_traceback": outcome.error,
        "exception_message": message,
    }
