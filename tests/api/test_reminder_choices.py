"""The commune's reminder settings (staff) and each family's choices (« Vos informations »),
through the API: stable error codes and French messages."""
from __future__ import annotations

import pytest

from tests.client import body


def error(response):
    return body(response)["error"]


def test_the_settings_show_reminders_on_24_hours_before_by_default(admin):
    settings = body(admin.get("/staff/settings"))
    assert settings["reminders"] == {"enabled": True, "hours_before": 24}


def test_staff_change_the_reminders_and_they_are_kept(admin):
    response = admin.put("/staff/settings", {"reminders": {"enabled": False,
                                                           "hours_before": 48}})
    assert response.status_code == 200, response.body
    assert body(admin.get("/staff/settings"))["reminders"] == {"enabled": False,
                                                                "hours_before": 48}


@pytest.mark.parametrize("value, field", [
    ({"hours_before": 0}, "reminders.hours_before"),
    ({"hours_before": 200}, "reminders.hours_before"),
    ({"hours_before": "24"}, "reminders.hours_before"),
    ({"enabled": 1}, "reminders.enabled"),
    ([], "reminders"),
])
def test_bad_reminder_settings_are_a_400_in_french(admin, value, field):
    response = admin.put("/staff/settings", {"reminders": value})
    assert response.status_code == 400
    assert error(response)["code"] == "invalid_request"
    assert error(response)["details"] == {"field": field}
    assert "rappel" in error(response)["message"].lower()  # French, and says which


def test_a_family_reads_its_choices_reminders_on_receipts_off(parent):
    family = body(parent.get("/family"))
    assert (family["reminders"], family["receipts"]) == (True, False)


def test_a_family_opts_out_of_reminders_and_into_receipts(parent, admin):
    response = parent.put("/family", {"reminders": False, "receipts": True})
    assert response.status_code == 200, response.body
    family = body(parent.get("/family"))
    assert (family["reminders"], family["receipts"]) == (False, True)
    # Staff see the choice on the family's page.
    details = body(admin.get(f"/staff/families/{family['number']}"))
    assert (details["reminders"], details["receipts"]) == (False, True)


@pytest.mark.parametrize("field", ["reminders", "receipts"])
def test_a_choice_that_is_not_true_or_false_is_refused(parent, field):
    response = parent.put("/family", {field: "non"})
    assert response.status_code == 400
    assert error(response)["details"] == {"field": field}
    assert "true ou false" in error(response)["message"]
