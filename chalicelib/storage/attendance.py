"""Attendance records: one item per child, day and service."""
from __future__ import annotations

from datetime import date

from chalicelib.domain.attendance import AttendanceRecord
from chalicelib.storage.models import AttendanceModel


def slot_key(day: date, service: str) -> str:
    """The sort key shared by the table and its index."""
    return f"{day.isoformat()}#{service}"


def _record(item: AttendanceModel) -> AttendanceRecord:
    day, _, service = item.slot.partition("#")
    return AttendanceRecord(item.child_id, item.family, date.fromisoformat(day), service,
                            item.status, item.arrival, item.departure, bool(item.justified),
                            item.reason or "", int(item.late_minutes or 0), item.recorded_by,
                            item.recorded_at)


class AttendanceRepository:
    """Writes records; reads them per slot (the agent's list) or per child (billing)."""

    def put(self, record: AttendanceRecord) -> None:
        """Store (or replace) the record of one child for one slot."""
        AttendanceModel(record.child_id, slot_key(record.day, record.service),
                        family=record.family, status=record.status, arrival=record.arrival,
                        departure=record.departure, justified=record.justified,
                        reason=record.reason, late_minutes=record.late_minutes,
                        recorded_by=record.recorded_by, recorded_at=record.recorded_at).save()

    def for_slot(self, day: date, service: str) -> dict[str, AttendanceRecord]:
        """Records of one day and service, by child id (one index query)."""
        return {item.child_id: _record(item)
                for item in AttendanceModel.by_slot.query(slot_key(day, service))}

    def for_child(self, child_id: str, start: date | None = None,
                  end: date | None = None) -> list[AttendanceRecord]:
        """A child's records, optionally within a date range."""
        condition = None
        if start and end:
            condition = AttendanceModel.slot.between(start.isoformat(), end.isoformat() + "#~")
        return [_record(i) for i in AttendanceModel.query(child_id, condition)]
