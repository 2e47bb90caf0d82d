"""Pandera polars models of every dataset in the data contract, one module per family.

``DATASETS`` maps a dataset name (the file stem a department sends) to its model.
"""

from __future__ import annotations

from huimin.schemas.agriculture import FarmlandSubsidy, GrainSubsidy, LandContracts
from huimin.schemas.assets import Enterprises, Properties, Vehicles
from huimin.schemas.civil_affairs import DibaoRural, DibaoUrban, ElderlyAllowance, Tekun
from huimin.schemas.clues import ProvinceClues
from huimin.schemas.commerce import CarTradein
from huimin.schemas.common import ContractModel, FieldSpec
from huimin.schemas.disability import DisabilityCards, DisabilityCare, DisabilityLiving
from huimin.schemas.education import StudentAidCompulsory, StudentAidHighschool, Students
from huimin.schemas.population import Deaths, Population
from huimin.schemas.public_sector import Inmates, PensionInsured, PublicEmployees
from huimin.schemas.resettlement import ResettlementRegistry, ResettlementSubsidy
from huimin.schemas.social_insurance import PremiumSubsidy

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
