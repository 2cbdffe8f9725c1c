"""The reminders before a deadline, run as EventBridge runs them (the job function), and
the receipt after a save. Demo commune: Thursday 17:00 for the following week, reminders
on, 24 hours before; the demo family (1001, child TOTO) has nothing booked."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from chalicelib.jobs.exports import write_exports
from chalicelib.jobs.reminders import remind_families
from chalicelib.services import reminders as reminder_service
from chalicelib.jobs.schedules import REMINDERS
from tests.client import body, queued, sign_in
from tests.demo import ADMIN, FAMILY, FAMILY_CHILD, FAMILY_EMAIL

PARIS = ZoneInfo("Europe/Paris")


def paris(*parts) -> datetime:
    return datetime(*parts, tzinfo=PARIS)


def reminders(outbox) -> list[dict]:
    return [m for m in outbox() if m["subject"].startswith("Rappel : inscriptions")]


def receipts(outbox) -> list[dict]:
    return [m for m in outbox() if m["subject"].startswith("Récapitulatif")]


def save(parent, *changes):
    response = parent.put(f"/children/{FAMILY_CHILD}/bookings", {"changes": [
        {"date": d, "service": s, "booked": b} for d, s, b in changes]})
    assert response.status_code == 200, response.body
    return body(response)


def choose(parent, **choices):
    response = parent.put("/family", choices)
    assert response.status_code == 200, response.body
    return body(response)


def test_the_schedule_runs_hourly():
    assert REMINDERS[:2] == ("10", "*")


def test_the_evening_before_the_deadline_the_family_gets_one_reminder_with_the_week_link(
        clock, outbox):
    clock.set(paris(2026, 11, 25, 20, 0))
    assert remind_families({})["sent"] == 1
    [mail] = reminders(outbox)
    assert mail["to"] == [FAMILY_EMAIL]
    assert "jeudi 26/11 17:00" in mail["subject"]
    assert "du lundi 30/11/2026 au vendredi 04/12/2026" in mail["text"]
    assert f"/inscriptions.html?enfant={FAMILY_CHILD}&semaine=2026-11-30" in mail["text"]


def test_a_rerun_sends_nothing_more(clock, outbox):
    clock.set(paris(2026, 11, 25, 20, 0))
    remind_families({})
    clock.set(paris(2026, 11, 26, 9, 0))
    again = remind_families({})
    assert again["sent"] == 0 and again["already_sent"] == 1
    assert len(reminders(outbox)) == 1


def test_two_runs_across_the_dst_change_send_exactly_one_email(clock, admin, outbox):
    # Five days ahead: Thursday 29/10 17:00 (winter time) closes the week of 2/11; the
    # clocks go back on Sunday 25/10. One run in summer time, one in winter time.
    clock.set(paris(2026, 10, 24, 20, 0))
    sign_in(admin, *ADMIN)
    response = admin.put("/staff/settings", {"reminders": {"enabled": True,
                                                           "hours_before": 120}})
    assert response.status_code == 200, response.body
    first = remind_families({})
    clock.set(paris(2026, 10, 26, 20, 0))
    second = remind_families({})
    assert (first["sent"], second["sent"]) == (1, 0)
    [mail] = reminders(outbox)
    assert "jeudi 29/10 17:00" in mail["subject"]


def test_a_family_with_its_week_booked_gets_none(clock, parent, outbox):
    clock.set(paris(2026, 11, 23, 10, 0))
    sign_in(parent, *FAMILY)
    save(parent, ("2026-11-30", "meal", True), ("2026-12-01", "meal", True))
    clock.set(paris(2026, 11, 25, 20, 0))
    assert remind_families({})["sent"] == 0
    assert reminders(outbox) == []


def test_a_family_that_opted_out_gets_none(clock, parent, outbox):
    clock.set(paris(2026, 11, 23, 10, 0))
    sign_in(parent, *FAMILY)
    assert choose(parent, reminders=False)["reminders"] is False
    clock.set(paris(2026, 11, 25, 20, 0))
    assert remind_families({})["sent"] == 0
    assert reminders(outbox) == []


def test_reminders_switched_off_by_the_commune_send_nothing(clock, admin, outbox):
    clock.set(paris(2026, 11, 25, 19, 0))
    sign_in(admin, *ADMIN)
    assert admin.put("/staff/settings", {"reminders": {"enabled": False}}).status_code == 200
    clock.set(paris(2026, 11, 25, 20, 0))
    assert remind_families({})["sent"] == 0


def test_a_receipt_lists_what_the_save_added_and_removed_when_the_family_asked(
        clock, parent, outbox):
    clock.set(paris(2026, 11, 23, 10, 0))
    sign_in(parent, *FAMILY)
    save(parent, ("2026-11-30", "meal", True))
    assert receipts(outbox) == []  # not asked for yet
    assert choose(parent, receipts=True)["receipts"] is True
    save(parent, ("2026-12-01", "meal", True), ("2026-12-01", "care_evening", True),
         ("2026-11-30", "meal", False))
    [mail] = receipts(outbox)
    assert mail["to"] == [FAMILY_EMAIL]
    assert "TOTO" in mail["subject"]
    text = mail["text"]
    assert ("Ajouté :\n- mardi 01/12/2026 : Repas, Garderie soir "
            "(annulable jusqu'au jeudi 26/11 17:00)") in text
    assert ("Retiré :\n- lundi 30/11/2026 : Repas (réservable jusqu'au jeudi 26/11 17:00)"
            in text)
    assert "Inscriptions en cours" in text


def test_a_save_that_changes_nothing_sends_no_receipt(clock, parent, outbox):
    clock.set(paris(2026, 11, 23, 10, 0))
    sign_in(parent, *FAMILY)
    choose(parent, receipts=True)
    assert save(parent, ("2026-11-30", "meal", False))["saved"] == 0
    assert receipts(outbox) == []


def test_a_period_booking_sends_one_receipt(clock, parent, outbox):
    clock.set(paris(2026, 11, 23, 10, 0))
    sign_in(parent, *FAMILY)
    choose(parent, receipts=True)
    response = parent.post(f"/children/{FAMILY_CHILD}/bookings/period", {
        "from": "2026-11-30", "to": "2026-12-04", "services": ["meal"], "booked": True,
        "weekdays": [1, 2, 4, 5]})
    assert response.status_code == 200, response.body
    [mail] = receipts(outbox)
    assert mail["text"].count("Repas (annulable") == 4


def test_staff_read_the_reminder_runs_with_how_many_were_sent(admin, clock, outbox):
    clock.set(paris(2026, 11, 25, 20, 0))
    remind_families({})
    clock.set(paris(2026, 11, 25, 21, 0))
    remind_families({})
    sign_in(admin, *ADMIN)  # a new session: the clock moved two days on
    response = admin.get("/staff/jobs/runs?job=reminders")
    assert response.status_code == 200, response.body
    runs = body(response)["runs"]
    assert [r["summary"] for r in runs] == ["Aucun rappel à envoyer", "1 rappel(s) envoyé(s)"]
    assert {r["job"] for r in runs} == {"reminders"} and {r["outcome"] for r in runs} == {"success"}


# -- a big commune: the reminders go out from the background, in batches ---------------

@pytest.fixture
def big_commune(monkeypatch):
    """Past INLINE_UP_TO, the run hands its reminders to the background queue."""
    monkeypatch.setattr(reminder_service, "INLINE_UP_TO", 0)


def test_a_big_communes_reminders_go_out_from_the_background_once_each(
        big_commune, services, clock, admin, outbox):
    clock.set(paris(2026, 11, 25, 20, 0))
    run = remind_families({})
    assert (run["queued"], run["batches"], run["sent"]) == (1, 1, 0)
    assert reminders(outbox) == []          # nothing yet: the batch is on the queue
    [message] = queued(services)
    clock.set(paris(2026, 11, 25, 20, 1))
    assert write_exports([message]) == [(run["deadlines"][0], "reminded 1")]
    [mail] = reminders(outbox)
    assert f"/inscriptions.html?enfant={FAMILY_CHILD}&semaine=2026-11-30" in mail["text"]
    # SQS may hand the same message over again: nothing more goes.
    assert write_exports([message]) == [(run["deadlines"][0], "reminded 0")]
    assert len(reminders(outbox)) == 1
    # The console reads what the batches sent, added to the run that queued them.
    sign_in(admin, *ADMIN)
    [shown] = body(admin.get("/staff/jobs/runs?job=reminders"))["runs"]
    assert shown["summary"] == "1 rappel(s) confiés à l'envoi en arrière-plan (1 lot(s))"
    assert (shown["queued"], shown["sent_later"]) == (1, 1)


def test_a_family_that_booked_while_its_batch_waited_is_not_reminded(
        big_commune, services, clock, parent, outbox):
    clock.set(paris(2026, 11, 25, 20, 0))
    remind_families({})
    [message] = queued(services)
    sign_in(parent, *FAMILY)
    save(parent, ("2026-11-30", "meal", True))
    assert write_exports([message])[0][1] == "reminded 0"
    assert reminders(outbox) == []


def test_a_batch_whose_deadline_passed_while_it_waited_sends_nothing(
        big_commune, services, clock, outbox):
    clock.set(paris(2026, 11, 25, 20, 0))
    remind_families({})
    [message] = queued(services)
    clock.set(paris(2026, 11, 26, 17, 30))   # the Thursday deadline is gone
    assert write_exports([message])[0][1] == "reminded 0"
    assert reminders(outbox) == []


def test_a_reminder_that_could_not_leave_goes_at_the_messages_next_delivery(
        big_commune, services, clock, outbox, monkeypatch):
    clock.set(paris(2026, 11, 25, 20, 0))
    remind_families({})
    [message] = queued(services)
    real_send = services.reminders._mailer.send
    monkeypatch.setattr(services.reminders._mailer, "send", lambda mail: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        write_exports([message])
    monkeypatch.setattr(services.reminders._mailer, "send", real_send)
    assert write_exports([message])[0][1] == "reminded 1"
    assert len(reminders(outbox)) == 1
