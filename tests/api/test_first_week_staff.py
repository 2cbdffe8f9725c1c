"""A secretary's first week, on the API: what the staff console is built on."""
from __future__ import annotations

import urllib.parse

import pytest

from tests.api.conftest import body

ADMIN_EMAIL, ADMIN_PASSWORD = "mairie@example.org", "demo-mairie-2026"


def ok(response, status=200):
    assert response.status_code == status, response.body
    return body(response)


@pytest.fixture
def admin(api):
    ok(api.login(ADMIN_EMAIL, ADMIN_PASSWORD))
    return api


def found(admin, text):
    answer = ok(admin.get("/staff/families?q=" + urllib.parse.quote(text)))
    return [f["number"] for f in answer["families"]]


# -- 1. family search ---------------------------------------------------------------------

@pytest.mark.parametrize("text", ["toto", "Toto", "famille.test", "famille.test@exa",
                                  "FAMILLE", "test"])
def test_a_family_is_found_by_its_childs_first_name_or_part_of_its_address(admin, text):
    assert found(admin, text) == ["1001"]


def test_a_child_added_from_the_console_is_found_at_once_accents_aside(admin):
    number = ok(admin.post("/staff/families", {"name": "MARTIN",
                                               "emails": ["m.martin@example.org"]}), 201)["number"]
    assert found(admin, "Chloé") == []
    ok(admin.post(f"/staff/families/{number}/children",
                  {"first_name": "Chloé", "last_name": "Martin"}), 201)
    assert found(admin, "chloe") == [number]
    assert found(admin, "CHLO") == [number]
    assert found(admin, "chloe martin") == [number]
