"""The data contract: every dataset, its fields and what they hold, as plain data.

``DATASETS`` maps a dataset name (the file stem a department sends) to its :class:`Dataset`,
declared in one module per family. The rule engine reads the contract from here; ingestion,
the validation reports and the synthetic district use the pandera models of
``huimin.schemas``, built from these declarations with their checks (this package never imports
pandera, so a process that only runs rules never loads it).
"""

from __future__ import annotations

from huimin.contract.agriculture import FarmlandSubsidy, GrainSubsidy, LandContracts
from huimin.contract.assets import Enterprises, Properties, Vehicles
from huimin.contract.civil_affairs import DibaoRural, DibaoUrban, ElderlyAllowance, Tekun
from huimin.contract.clues import ProvinceClues
from huimin.contract.commerce import CarTradein
from huimin.contract.disability import DisabilityCards, DisabilityCare, DisabilityLiving
from huimin.contract.education import StudentAidCompulsory, StudentAidHighschool, Students
from huimin.contract.fields import Dataset, FieldSpec
from huimin.contract.population import Deaths, Population
from huimin.contract.public_sector import Inmates, PensionInsured, PublicEmployees
from huimin.contract.resettlement import ResettlementRegistry, ResettlementSubsidy
from huimin.contract.social_insurance import PremiumSubsidy

REGISTRIES: tuple[type[Dataset], ...] = (
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
ROSTERS: tuple[type[Dataset], ...] = (
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
CLUES: type[Dataset] = ProvinceClues
ALL_DATASETS: tuple[type[Dataset], ...] = (*REGISTRIES, *ROSTERS, CLUES)
DATASETS: dict[str, type[Dataset]] = {dataset.__dataset__: dataset for dataset in ALL_DATASETS}

__all__ = ["ALL_DATASETS", "CLUES", "DATASETS", "REGISTRIES", "ROSTERS", "Dataset", "FieldSpec"]
