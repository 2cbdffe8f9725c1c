"""Sick days: who may report until when, and what the invoice charges under each of the
commune's rules (billed, free, jour de carence, certificate within N days)."""
from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain.calendar import SchoolCalendar
from chalicelib.domain.deadlines import DeadlinePolicy, SchoolDaysBeforeRule, WeeklyRule
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.sickness import (
    ACCEPTED,
    PENDING,
    REFUSED,
    CancelInstead,
    Certificate,
    SicknessSettings,
    SickReport,
    SickReportsOff,
    SickReportTooLate,
    check_certificate,
    check_report,
    parse_sickness,
    sick_charges,
)

PARIS = ZoneInfo("Europe/Paris")
CALENDAR = SchoolCalendar((1, 2, 4, 5), "A")
THURSDAY = DeadlinePolicy(WeeklyRule(4, time(17, 0)))
DAY_BEFORE = DeadlinePolicy(SchoolDaysBeforeRule(1, time(9, 0)))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=PARIS)


def d(text: str) -> date:
    return date.fromisoformat(text)


def report(day: str, child: str = "1001-1", cert: Certificate | None = None) -> SickReport:
    return SickReport(child, "1001", d(day), ("meal",), at(day + "T07:00"), "famille 1001",
                      cert)


def cert(uploaded: str, status: str = ACCEPTED) -> Certificate:
    return Certificate("k", "application/pdf", 10, at(uploaded), status)


# -- reporting ---------------------------------------------------------------------------

@pytest.mark.parametrize("now, ok", [
    ("2026-12-01T07:59", True),
    ("2026-12-01T08:29", True),
    ("2026-12-01T08:30", False),    # the cut-off itself is too late
    ("2026-12-01T12:00", False),
    ("2026-11-30T20:00", True),     # the evening before, the deadline long passed
])
def test_a_sick_day_can_be_reported_until_the_cut_off_of_the_day(now, ok):
    booked = [("meal", THURSDAY), ("care_evening", THURSDAY)]
    if ok:
        assert check_report(d("2026-12-01"), booked, SicknessSettings(), CALENDAR,
                            at(now)) == ("meal", "care_evening")
    else:
        with pytest.raises(SickReportTooLate) as exc:
            check_report(d("2026-12-01"), booked, SicknessSettings(), CALENDAR, at(now))
        assert exc.value.status == 409 and "08:30" in exc.value.message


def test_a_day_still_cancellable_is_cancelled_not_reported():
    # Per-day rule: Thursday 3 December closes on Tuesday 1 December at 09:00.
    with pytest.raises(CancelInstead) as exc:
        check_report(d("2026-12-03"), [("meal", DAY_BEFORE)], SicknessSettings(), CALENDAR,
                     at("2026-12-01T08:00"))
    assert exc.value.code == "sick_report_cancel_instead"
    assert check_report(d("2026-12-03"), [("meal", DAY_BEFORE)], SicknessSettings(),
                        CALENDAR, at("2026-12-01T09:00")) == ("meal",)


def test_nothing_booked_or_reports_switched_off_are_refused():
    with pytest.raises(ValidationError) as exc:
        check_report(d("2026-12-01"), [], SicknessSettings(), CALENDAR, at("2026-12-01T07:00"))
    assert exc.value.code == "not_booked"
    with pytest.raises(SickReportsOff):
        check_report(d("2026-12-01"), [("meal", THURSDAY)], SicknessSettings(enabled=False),
                     CALENDAR, at("2026-12-01T07:00"))


# -- billing rules -----------------------------------------------------------------------

WEEK = ["2026-11-30", "2026-12-01", "2026-12-03"]   # Mon, Tue, Thu: one run (no Wednesday)


@pytest.mark.parametrize("rule, days, expected", [
    ("billed", WEEK, ["billed", "billed", "billed"]),
    ("free", WEEK, ["free", "free", "free"]),
    ("carence", WEEK, ["carence", "free", "free"]),
    # Friday then Monday: the weekend has no school, still one run.
    ("carence", ["2026-12-04", "2026-12-07"], ["carence", "free"]),
    # A school day between two sick days: two runs, two jours de carence.
    ("carence", ["2026-11-30", "2026-12-03"], ["carence", "carence"]),
    ("certificate", WEEK, ["billed", "billed", "billed"]),  # no certificate
])
def test_each_commune_rule_charges_the_sick_days(rule, days, expected):
    charges = sick_charges([report(day) for day in days], SicknessSettings(billing=rule),
                           CALENDAR)
    assert [charges[("1001-1", d(day))] for day in days] == expected


@pytest.mark.parametrize("uploaded, status, expected", [
    ("2026-12-01T18:00", ACCEPTED, "free"),       # the day after the first sick day
    ("2026-12-02T10:00", ACCEPTED, "free"),       # the second day: within 2 days
    ("2026-12-03T10:00", ACCEPTED, "billed"),     # three days later: too late
    ("2026-12-01T18:00", PENDING, "billed"),      # not accepted (yet)
    ("2026-12-01T18:00", REFUSED, "billed"),
])
def test_a_certificate_accepted_within_n_days_makes_the_whole_run_free(uploaded, status,
                                                                       expected):
    reports = [report("2026-11-30"), report("2026-12-01", cert=cert(uploaded, status))]
    charges = sick_charges(reports, SicknessSettings(billing="certificate",
                                                     certificate_days=2), CALENDAR)
    assert set(charges.values()) == {expected}


def test_each_child_has_runs_of_its_own():
    charges = sick_charges([report("2026-11-30"), report("2026-12-01", child="1001-2")],
                           SicknessSettings(billing="carence"), CALENDAR)
    assert charges == {("1001-1", d("2026-11-30")): "carence",
                       ("1001-2", d("2026-12-01")): "carence"}


# -- certificates and settings -------------------------------------------------------------

@pytest.mark.parametrize("data, declared, expected", [
    (b"%PDF-1.7\n...", "application/pdf", "application/pdf"),
    (b"\xff\xd8\xff\xe0....JFIF", "image/jpeg", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n....", None, "image/png"),
    (b"\x00\x00\x00\x18ftypheic....", "image/heic", "image/heic"),
])
def test_a_certificate_is_known_by_its_first_bytes(data, declared, expected):
    assert check_certificate(data, declared) == expected


@pytest.mark.parametrize("data, declared, code", [
    (b"MZ\x90\x00 an executable", "application/pdf", "certificate_type"),
    (b"%PDF-1.7", "image/png", "certificate_type"),      # claims to be another type
    (b"", "application/pdf", "certificate_empty"),
    (b"%PDF-" + b"x" * (4 * 1024 * 1024), "application/pdf", "certificate_too_large"),
])
def test_a_wrong_or_too_large_certificate_is_refused(data, declared, code):
    with pytest.raises(ValidationError) as exc:
        check_certificate(data, declared)
    assert exc.value.code == code


@pytest.mark.parametrize("data, field", [
    ({"cutoff": "8h30"}, "sickness.cutoff"),
    ({"billing": "sometimes"}, "sickness.billing"),
    ({"certificate_days": 0}, "sickness.certificate_days"),
    ({"certificate_days": True}, "sickness.certificate_days"),
    ({"enabled": "yes"}, "sickness.enabled"),
])
def test_invalid_settings_name_their_field(data, field):
    with pytest.raises(ValidationError) as exc:
        parse_sickness(data, SicknessSettings())
    assert exc.value.field == field and exc.value.code == "invalid_sickness"


def test_settings_left_out_keep_their_value():
    parsed = parse_sickness({"billing": "carence"}, SicknessSettings(cutoff=time(9, 0)))
    assert parsed == SicknessSettings(cutoff=time(9, 0), billing="carence")
