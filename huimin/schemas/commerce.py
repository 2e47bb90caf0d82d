"""Pandera models of the commerce datasets (fields: :mod:`huimin.contract.commerce`)."""

from __future__ import annotations

from huimin.contract import commerce as contract
from huimin.schemas.common import ContractModel


class CarTradein(ContractModel, contract=contract.CarTradein): ...
