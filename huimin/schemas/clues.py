"""Pandera models of the clues datasets (fields: :mod:`huimin.contract.clues`)."""

from __future__ import annotations

from huimin.contract import clues as contract
from huimin.schemas.common import ContractModel


class ProvinceClues(ContractModel, contract=contract.ProvinceClues): ...
