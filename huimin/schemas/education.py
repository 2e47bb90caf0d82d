"""Pandera models of the education datasets (fields: :mod:`huimin.contract.education`)."""

from __future__ import annotations

from huimin.contract import education as contract
from huimin.schemas.common import ContractModel


class Students(ContractModel, contract=contract.Students): ...


class StudentAidCompulsory(ContractModel, contract=contract.StudentAidCompulsory): ...


class StudentAidHighschool(ContractModel, contract=contract.StudentAidHighschool): ...
