from tests.client import body
from tests.demo import FAMILY


def test_demo_family_books_a_meal_and_sees_it(api):
    api.login(*FAMILY)
    cal = body(api.get("/children/1001-1/calendar?month=2026-12"))
    monday = next(d for d in cal["days"] if d["date"] == "2026-12-07")
    assert monday["services"]["meal"] == {"booked": False, "editable": True,
                                          "deadline": "2026-12-03T17:00:00+01:00"}
    r = api.put("/children/1001-1/bookings", {"changes": [
        {"date": "2026-12-07", "service": "meal", "booked": True}]})
    assert r.status_code == 200, r.body
    assert body(r) == {"saved": 1, "waiting": []}
    current = body(api.get("/family/bookings?from=2026-12-01&to=2026-12-31"))
    assert current["children"][0]["days"] == [{"date": "2026-12-07", "services": ["meal"]}]
