"""The project's own files: the rule catalogue (``rules/``: rule files, the parameter tree,
the JSON schemas) and the reference tables (``data/reference/``).

In a checkout they are the repository's folders; in an installed wheel, the copies shipped
inside the package (``huimin/_resources/``), found through :mod:`importlib.resources`. Every
command that reads them works from any folder.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[1]


def project_file(*parts: str) -> Path:
    """``project_file("rules")``, ``project_file("data", "reference", "streets.csv")`` ..."""
    in_checkout = CHECKOUT.joinpath(*parts)
    if (CHECKOUT / "pyproject.toml").is_file() and in_checkout.exists():
        return in_checkout
    return Path(str(files("huimin"))).joinpath("_resources", *parts)
