"""A child who left (archived) is no longer booked for, cooked for, or expected."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from tests.client import Api, body

PARIS = ZoneInfo("Europe/Paris")
from tests.demo import ADMIN, FAMILY


def test_an_archived_child_leaves_the_bookings_the_counts_and_the_lists(client, clock):
    parent = Api(client)
    assert parent.login(*FAMILY).status_code == 200
    assert parent.put("/children/1001-1/bookings", {"changes": [
        {"date": "2026-11-30", "service": "meal", "booked": True}]}).status_code == 200
    admin = Api(client)
    assert admin.login(*ADMIN).status_code == 200
    counts = body(admin.get("/staff/headcounts?from=2026-11-30&to=2026-11-30"))["days"]
    assert [d["total"] for d in counts if d["service"] == "meal"] == [1]

    assert admin.post("/staff/families/1001/children/1001-1/archive").status_code == 200

    counts = body(admin.get("/staff/headcounts?from=2026-11-30&to=2026-11-30"))["days"]
    assert [d["total"] for d in counts if d["service"] == "meal"] == [0]
    assert body(parent.get("/family"))["children"] == []
    assert parent.get("/children/1001-1/calendar?month=2026-12").status_code == 404
    assert parent.put("/children/1001-1/bookings", {"changes": [
        {"date": "2026-12-07", "service": "meal", "booked": True}]}).status_code == 404

    clock.set(datetime(2026, 11, 30, 12, 0, tzinfo=PARIS))
    assert admin.login(*ADMIN).status_code == 200
    listing = body(admin.get("/staff/attendance?date=2026-11-30&service=meal"))
    assert listing["children"] == [] and listing["others"] == []
