"""Pandera model of 困难群体代缴城乡居民养老保险费名册 (fields:
:mod:`huimin.contract.social_insurance`)."""

from __future__ import annotations

from huimin.contract import social_insurance as contract
from huimin.schemas.common import ContractModel


class PremiumSubsidy(ContractModel, contract=contract.PremiumSubsidy): ...
