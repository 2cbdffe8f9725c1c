"""The typical week ("semaine type"): saved per child, applied to a period for one or
several children at once through the booking rules.

Applying is all or nothing across the children: every child's changes are checked against
the deadlines first, and one day that would change but can no longer makes the whole
request refused (``typical_week_refused``) before anything is written. The writes then go
child by child through ``BookingService.apply_all_or_nothing`` (the same code as a save),
so a child's part is one transaction per 100 days; the children are not in one
transaction, because the booking repository writes one child at a time. A later child's
write that still fails (a deadline passing after the check, another save, a lost
connection) has the earlier children's changes taken back (``BookingService.undo``, a
compensating write) before the failure is answered: nothing is left half applied, and
the receipts go only once every child's part stood.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.domain.accounts import Child, Family
from chalicelib.domain.bookings import (
    Change,
    Refusal,
    change_why,
    refusal_code,
    skipped_summary,
)
from chalicelib.domain.commune import CommuneSettings
from chalicelib.domain.errors import NotFound, ValidationError
from chalicelib.domain.typical_week import (
    TypicalWeekRefused,
    changes_for,
    parse_application,
    parse_typical_week,
    week_to_dict,
)
from chalicelib.services.bookings import BookingService
from chalicelib.storage.bookings import BookingRepository, StoredDay
from chalicelib.storage.typical_weeks import TypicalWeekRepository


def _child(family: Family, child_id: str) -> Child:
    child = family.child(child_id)
    if child is None or child.archived:
        raise NotFound()  # another family's child looks exactly like a missing one
    return child


class TypicalWeekService:
    """What parents do with their children's typical weeks."""

    def __init__(self, bookings: BookingService, booking_repository: BookingRepository,
                 weeks: TypicalWeekRepository) -> None:
        self._bookings = bookings
        self._booking_repository = booking_repository
        self._weeks = weeks

    def weeks(self, family: Family, settings: CommuneSettings) -> dict[str, Any]:
        """Each enrolled child's typical week (empty when never saved), with the commune's
        school days and bookable services to draw the form."""
        stored = self._weeks.of_family(family.number)
        return {"school_days": sorted(settings.school_days),
                "services": [{"code": s.code, "label": s.label}
                             for s in settings.bookable_services()],
                "children": [{"child": child, "saved": child.id in stored,
                              "days": week_to_dict(stored.get(child.id, {}), settings)}
                             for child in family.active_children()]}

    def save(self, family: Family, child_id: str, data: Any, now: datetime,
             settings: CommuneSettings) -> dict[str, Any]:
        """Replace a child's typical week; returns it as shown."""
        child = _child(family, child_id)
        week = parse_typical_week(data, settings)
        self._weeks.put(family.number, child.id, week, now)
        return {"child": child, "saved": True, "days": week_to_dict(week, settings)}

    def apply(self, family: Family, data: Any, now: datetime,
              settings: CommuneSettings) -> dict[str, Any]:
        """Set the children's typical weeks on the selected weeks of a period, all or
        nothing; days off are skipped and counted."""
        application = parse_application(data)
        children = [_child(family, child_id) for child_id in application.children]
        stored = self._weeks.of_family(family.number)
        for index, child in enumerate(children):
            if child.id not in stored:
                raise ValidationError(
                    f"Enregistrez d'abord la semaine type de {child.first_name}.",
                    field=f"children[{index}]", code="no_typical_week")
        calendar = settings.calendar()
        bookable = [s.code for s in settings.bookable_services() if s.deadline is not None]
        plans: list[tuple[Child, list[Change]]] = []
        skipped: list[Refusal] = []
        refused: list[tuple[str, Refusal]] = []
        for child in children:
            changes, off = changes_for(stored[child.id], application, bookable, calendar)
            skipped = skipped or off  # the same calendar for every child
            days = self._booking_repository.days(child.id, application.start,
                                                 application.end)
            for change in changes:
                before = change.service in days.get(change.date,
                                                    StoredDay(frozenset(), None)).services
                why = change_why(change, before, settings, calendar, now)
                if why is not None:
                    refused.append((child.id, Refusal(change.date, change.service,
                                                      refusal_code(why), why)))
            plans.append((child, changes))
        if refused:
            raise TypicalWeekRefused(refused)
        results = []
        done: list[tuple[Child, list[Change]]] = []
        try:
            for child, changes in plans:
                made: list[Change] = []
                saved, days_written = 0, 0
                if changes:
                    saved, days_written, made = self._bookings.apply_all_or_nothing(
                        child, family, changes, settings, now)
                done.append((child, made))
                results.append({"child_id": child.id, "saved": saved, "days": days_written})
        except Exception:
            # A later child's write failed: the earlier children's are taken back, so the
            # request leaves nothing half done, then the failure is answered as it was.
            for child, made in reversed(done):
                if made:
                    self._bookings.undo(child, family, made, settings, now)
            raise
        for child, made in done:
            self._bookings.send_receipt(family, child, made, settings)
        return {"children": results,
                "saved": sum(r["saved"] for r in results),
                "days": sum(r["days"] for r in results),
                "skipped_days": skipped_summary(skipped)}
