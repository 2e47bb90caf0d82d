"""Pandera polars models of every dataset in the data contract, one module per family.

``DATASETS`` maps a dataset name (the file stem a department sends) to its model.
"""

from __future__ import annotations

from schemas.agriculture import FarmlandSubsidy, GrainSubsidy, LandContracts
from schemas.assets import Enterprises, Properties, Vehicles
from schemas.civil_affairs import DibaoRural, DibaoUrban, ElderlyAllowance, Tekun
from schemas.clues import ProvinceClues
from schemas.commerce import CarTradein
from schemas.common import ContractModel, FieldSpec
from schemas.disability import DisabilityCards, DisabilityCare, DisabilityLiving
from schemas.education import StudentAidCompulsory, StudentAidHighschool, Students
from schemas.population import Deaths, Population
from schemas.public_sector import Inmates, PensionInsured, PublicEmployees
from schemas.resettlement import ResettlementRegistry, ResettlementSubsidy
from schemas.social_insurance import PremiumSubsidy

REGISTRIES: tuple[type[ContractModel], ...] = (
    Population,
    Deaths,
    Vehicles,
    Enterprises,
    PublicEmployees,
    Properties,
    DisabilityCards,
    Students,
    Inmates,
    PensionInsured,
    LandContracts,
    ResettlementRegistry,
)
ROSTERS: tuple[type[ContractModel], ...] = (
    GrainSubsidy,
    CarTradein,
    DibaoRural,
    DibaoUrban,
    Tekun,
    DisabilityLiving,
    DisabilityCare,
    ElderlyAllowance,
    PremiumSubsidy,
    StudentAidCompulsory,
    StudentAidHighschool,
    ResettlementSubsidy,
    FarmlandSubsidy,
)
ALL_MODELS: tuple[type[ContractModel], ...] = (*REGISTRIES, *ROSTERS, ProvinceClues)
DATASETS: dict[str, type[ContractModel]] = {model.__dataset__: model for model in ALL_MODELS}

__all__ = ["DATASETS", "REGISTRIES", "ROSTERS", "ContractModel", "FieldSpec"]
