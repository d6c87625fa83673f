"""The table the fault run reports: one row per case, printed as it comes and kept as JSON.

A row counts logical requests, however often each was retried:
- sent: logical requests the client made;
- accepted: those that ended in a success answer (200, 201 or 202);
- delivered: accepted ones found in every projection the case reads (the least of them);
- duplicated: records or counts beyond one per logical request, summed over the projections;
- lost: accepted ones missing from at least one projection.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Row:
    case: str
    sent: int
    accepted: int
    delivered: int
    duplicated: int
    lost: int
    notes: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, case: str, sent: int, accepted: int, counts: dict[str, int], **notes: Any) -> Row:
        """The row for projections that should each count every accepted request once."""
        # Nothing read is nothing shown to be delivered.
        delivered = min([accepted, *counts.values()]) if counts else 0
        duplicated = sum(max(0, count - accepted) for count in counts.values())
        return cls(case, sent, accepted, delivered, duplicated, accepted - delivered,
                   {"projections": counts, **notes})

    def line(self) -> str:
        return f"{self.case:<28} {self.sent:>5} {self.accepted:>9} {self.delivered:>10} {self.duplicated:>11} " \
               f"{self.lost:>5}  {json.dumps(self.notes, sort_keys=True)}"


HEADER = f"{'case':<28} {'sent':>5} {'accepted':>9} {'delivered':>10} {'duplicated':>11} {'lost':>5}  notes"


class Report:
    """The rows of the fault run, printed as they come and kept in a JSON file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows: list[Row] = []

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        print(f"\n{HEADER}\n{row.line()}")
        self.path.write_text(json.dumps([asdict(r) for r in self.rows], indent=2))
        return row

    def table(self) -> str:
        return "\n".join([HEADER, *(r.line() for r in sorted(self.rows, key=lambda r: r.case))])
