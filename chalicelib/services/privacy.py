"""RGPD: what a family can obtain about itself."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from chalicelib.domain.accounts import Family, family_details
from chalicelib.services.attendance import record_json
from chalicelib.storage.attendance import AttendanceRepository
from chalicelib.storage.bookings import BookingRepository

_EVER = (date(2000, 1, 1), date(2099, 12, 31))


class PrivacyService:
    """Builds the family's copy of its data (right of access, art. 15)."""

    def __init__(self, bookings: BookingRepository, attendance: AttendanceRepository) -> None:
        self._bookings = bookings
        self._attendance = attendance

    def export_family(self, family: Family, now: datetime) -> dict[str, Any]:
        """The family record, its children, every booking and attendance record."""
        children = []
        for child in family.children:
            days = self._bookings.days(child.id, *_EVER)
            children.append({
                "id": child.id,
                "bookings": [{"date": d.isoformat(), "services": sorted(entry.services)}
                             for d, entry in sorted(days.items()) if entry.services],
                "cancelled_by_commune": [
                    {"date": d.isoformat(), "service": r.service, "reason": r.reason,
                     "at": r.at.isoformat()}
                    for d, entry in sorted(days.items()) for r in entry.released],
                "attendance": [record_json(r) for r in self._attendance.for_child(child.id)],
            })
        return {"exported_at": now.isoformat(),
                "family": family_details(family),
                "records": children,
                "note": ("Données tenues par la commune pour la cantine et le périscolaire. "
                         "Pour toute rectification, adressez-vous à la mairie.")}
