"""huimin: audit benefit payments with data."""

__version__ = "0.1.0"
