"""A sick run longer than a month is billed as one run, whichever months it crosses: one
jour de carence for the whole run, and a certificate accepted at its start frees its
last days too, although each month is invoiced on its own.

TOTO (1001-1) of the demo commune (zone A; Mon, Tue, Thu, Fri) has lunch and evening care
booked on every school day of the period (the care, not reported, keeps a line on each
invoice); the sick days are stored as the parent's reports would be
(one report per morning: the API's report path is tested in test_sick_days.py).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from chalicelib.domain.sickness import ACCEPTED, Certificate, SickReport
from tests.api.test_sick_days import ok
from tests.client import Api, sign_in
from tests.demo import ADMIN, FAMILY
from tests.demo import FAMILY_CHILD as CHILD

PARIS = ZoneInfo("Europe/Paris")


def at(client, clock, iso: str, who=ADMIN) -> Api:
    clock.set(datetime.fromisoformat(iso).replace(tzinfo=PARIS))
    return sign_in(Api(client), *who)


def book_lunches(client, clock, start: str, end: str) -> None:
    parent = at(client, clock, "2026-11-23T10:00:00", FAMILY)
    ok(parent.post(f"/children/{CHILD}/bookings/period", {
        "from": start, "to": end, "services": ["meal", "care_evening"], "weekdays": [1, 2, 4, 5],
        "booked": True}))


def report_sick(services, start: date, end: date, certificate_on: date | None = None) -> None:
    """Every school day from ``start`` to ``end`` reported sick, as the parent would have
    done each morning; the certificate (accepted) on ``certificate_on``'s report."""
    calendar = services.commune.get().calendar()
    repo = services.sickness._reports
    day = start
    while day <= end:
        if calendar.is_school_day(day):
            reported = datetime.combine(day, datetime.min.time(), PARIS) + timedelta(hours=7)
            report = SickReport(CHILD, "1001", day, ("meal",), reported, "famille 1001")
            assert repo.add(report)
            if day == certificate_on:
                repo.set_certificate(report, Certificate(
                    f"certificats/1001/test-{day}.pdf", "application/pdf", 10, reported,
                    ACCEPTED, "mairie@example.org", reported))
        day += timedelta(days=1)


def sick_lines(admin, month: str) -> list[tuple[str, int]] | None:
    """The month's draft sick lines (label without its days, amount); None: nothing to bill."""
    ok(admin.post(f"/staff/billing/{month}/draft"))
    families = ok(admin.get(f"/staff/billing/{month}"))["families"]
    if not families:
        return None
    return [(line["label"].split(" : ")[0], line["amount_cents"])
            for line in families[0]["lines"] if "maladie" in line["label"]]


FREE_MEAL = ("Repas – absence maladie justifiée (non facturée)", 0)
FREE_CARE = ("Garderie soir – absence maladie justifiée (non facturée)", 0)


def test_a_run_carried_over_the_summer_has_one_jour_de_carence(client, clock, services):
    # Sick from Monday 28 June 2027 to the end of the school year (Friday 2 July), and
    # again from the first school day after the summer (Thursday 2 September) to Friday
    # 10: consecutive school days, one run, one jour de carence (in June). Monday 13
    # September, back at school, is billed as usual.
    book_lunches(client, clock, "2027-06-28", "2027-09-13")
    admin = at(client, clock, "2026-11-23T10:30:00")
    ok(admin.put("/staff/settings", {"sickness": {"billing": "carence"}}))
    report_sick(services, date(2027, 6, 28), date(2027, 9, 10))
    admin = at(client, clock, "2027-10-04T09:00:00")
    assert sick_lines(admin, "2027-06") == [
        ("Repas – maladie, jour de carence", 350), FREE_MEAL,
        ("Garderie soir – maladie, jour de carence", 200), FREE_CARE]
    assert sick_lines(admin, "2027-07") is None  # 1 and 2 July: free
    # August has no school day: September's sick days still belong to June's run.
    assert sick_lines(admin, "2027-09") == [FREE_MEAL, FREE_CARE]


def test_a_certificate_accepted_at_the_start_of_a_long_run_frees_its_last_month(
        client, clock, services):
    # Sick from Monday 12 October 2026 to Friday 4 December (the Toussaint holidays and
    # 11 November in between are no school days): one run, its certificate handed in on
    # the first day and accepted. December is read with November, not with October.
    # Monday 7 December, back at school, is billed as usual.
    book_lunches(client, clock, "2026-11-30", "2026-12-07")
    report_sick(services, date(2026, 10, 12), date(2026, 12, 4),
                certificate_on=date(2026, 10, 12))
    admin = at(client, clock, "2027-01-04T09:00:00")
    assert sick_lines(admin, "2026-12") == [FREE_MEAL, FREE_CARE]
