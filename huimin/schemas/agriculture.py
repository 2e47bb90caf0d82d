"""Pandera models of the agriculture datasets (fields: :mod:`huimin.contract.agriculture`)."""

from __future__ import annotations

from huimin.contract import agriculture as contract
from huimin.schemas.common import ContractModel


class LandContracts(ContractModel, contract=contract.LandContracts): ...


class GrainSubsidy(ContractModel, contract=contract.GrainSubsidy): ...


class FarmlandSubsidy(ContractModel, contract=contract.FarmlandSubsidy): ...
