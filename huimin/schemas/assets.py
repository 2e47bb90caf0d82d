"""Pandera models of the assets datasets (fields: :mod:`huimin.contract.assets`)."""

from __future__ import annotations

from huimin.contract import assets as contract
from huimin.schemas.common import ContractModel


class Vehicles(ContractModel, contract=contract.Vehicles): ...


class Properties(ContractModel, contract=contract.Properties): ...


class Enterprises(ContractModel, contract=contract.Enterprises): ...
