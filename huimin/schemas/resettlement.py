"""Pandera models of the resettlement datasets (fields: :mod:`huimin.contract.resettlement`)."""

from __future__ import annotations

from huimin.contract import resettlement as contract
from huimin.schemas.common import ContractModel


class ResettlementRegistry(ContractModel, contract=contract.ResettlementRegistry): ...


class ResettlementSubsidy(ContractModel, contract=contract.ResettlementSubsidy): ...
