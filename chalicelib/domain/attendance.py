"""What the agent recorded for one child, day and service."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from chalicelib.domain.accounts import Child, Family


@dataclass(frozen=True)
class AttendanceRecord:
    child_id: str
    family: str
    day: date
    service: str
    status: str
    arrival: str | None
    departure: str | None
    justified: bool
    reason: str
    late_minutes: int
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True)
class ExpectedChild:
    """A child on the agent's list for a day and service: booked or not, and what was
    recorded for them, if anything."""
    family: Family
    child: Child
    booked: bool = False
    record: AttendanceRecord | None = None
