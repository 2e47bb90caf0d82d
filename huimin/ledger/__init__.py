"""The verification ledger (问题线索台账): every clue from its source to its close-out.

- :mod:`huimin.ledger.store`: where the ledger lives, migrations, one writer at a time;
- :mod:`huimin.ledger.states`: the states and the legal moves;
- :mod:`huimin.ledger.intake`: clues in (a run's clues, provincial and other lists);
- :mod:`huimin.ledger.records`: verifications, dispositions and closings, checked;
- :mod:`huimin.ledger.sampling`: the departments' re-check draws;
- :mod:`huimin.ledger.supervision`: overdue clues and verifications to send back;
- :mod:`huimin.ledger.history`: the hash-chained history and its check.
"""

from huimin.ledger.store import Head, Ledger

__all__ = ["Head", "Ledger"]
