"""Pandera polars models of every dataset in the data contract, one module per family.

Each model is built from its dataset in :mod:`huimin.contract` (fields, headers, family) and
adds the checks. ``DATASETS`` maps a dataset name (the file stem a department sends) to its
model; ``REGISTRIES`` and ``ROSTERS`` follow the contract's order.
"""

from __future__ import annotations

import huimin.contract as contract
from huimin.contract import FieldSpec
from huimin.schemas.agriculture import FarmlandSubsidy, GrainSubsidy, LandContracts
from huimin.schemas.assets import Enterprises, Properties, Vehicles
from huimin.schemas.civil_affairs import DibaoRural, DibaoUrban, ElderlyAllowance, Tekun
from huimin.schemas.clues import ProvinceClues
from huimin.schemas.commerce import CarTradein
from huimin.schemas.common import ContractModel
from huimin.schemas.disability import DisabilityCards, DisabilityCare, DisabilityLiving
from huimin.schemas.education import StudentAidCompulsory, StudentAidHighschool, Students
from huimin.schemas.population import Deaths, Population
from huimin.schemas.public_sector import Inmates, PensionInsured, PublicEmployees
from huimin.schemas.resettlement import ResettlementRegistry, ResettlementSubsidy
from huimin.schemas.social_insurance import PremiumSubsidy

_MODELS: dict[type[contract.Dataset], type[ContractModel]] = {
    model.__contract__: model
    for model in (
        *(Population, Deaths, Vehicles, Enterprises, PublicEmployees, Properties),
        *(DisabilityCards, Students, Inmates, PensionInsured, LandContracts),
        *(ResettlementRegistry, GrainSubsidy, CarTradein, DibaoRural, DibaoUrban, Tekun),
        *(DisabilityLiving, DisabilityCare, ElderlyAllowance, PremiumSubsidy),
        *(StudentAidCompulsory, StudentAidHighschool, ResettlementSubsidy, FarmlandSubsidy),
        ProvinceClues,
    )
}
REGISTRIES: tuple[type[ContractModel], ...] = tuple(_MODELS[d] for d in contract.REGISTRIES)
ROSTERS: tuple[type[ContractModel], ...] = tuple(_MODELS[d] for d in contract.ROSTERS)
ALL_MODELS: tuple[type[ContractModel], ...] = tuple(_MODELS[d] for d in contract.ALL_DATASETS)
DATASETS: dict[str, type[ContractModel]] = {model.__dataset__: model for model in ALL_MODELS}

__all__ = ["DATASETS", "REGISTRIES", "ROSTERS", "ContractModel", "FieldSpec"]
