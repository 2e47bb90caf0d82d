"""Reports for data engineers: the Great Expectations validation report of the staged datasets."""

from __future__ import annotations

from huimin.reports.validation import (
    DatasetValidation,
    ValidationSummary,
    build_validation_reports,
)

__all__ = ["DatasetValidation", "ValidationSummary", "build_validation_reports"]
