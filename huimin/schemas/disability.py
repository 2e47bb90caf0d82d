"""Pandera models of the disability datasets (fields: :mod:`huimin.contract.disability`)."""

from __future__ import annotations

from huimin.contract import disability as contract
from huimin.schemas.common import ContractModel


class DisabilityCards(ContractModel, contract=contract.DisabilityCards): ...


class DisabilityLiving(ContractModel, contract=contract.DisabilityLiving): ...


class DisabilityCare(ContractModel, contract=contract.DisabilityCare): ...
