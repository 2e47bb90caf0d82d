"""Pandera models of the public sector datasets (fields: :mod:`huimin.contract.public_sector`)."""

from __future__ import annotations

from huimin.contract import public_sector as contract
from huimin.schemas.common import ContractModel


class PublicEmployees(ContractModel, contract=contract.PublicEmployees): ...


class PensionInsured(ContractModel, contract=contract.PensionInsured): ...


class Inmates(ContractModel, contract=contract.Inmates): ...
