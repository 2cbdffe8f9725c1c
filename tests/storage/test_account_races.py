"""An edit that loses a race says so (409 conflict), whatever else its transaction held."""
from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.domain.errors import Conflict
from chalicelib.storage.accounts import EmailTaken
from chalicelib.storage.models import FamilyModel


def test_an_edit_removing_an_address_that_loses_a_race_is_a_conflict_not_email_taken(
        services, monkeypatch):
    accounts = services.accounts
    family = accounts.get_family("1001")
    family = accounts.save_family(family, replace(family, emails=(
        family.emails[0], "second@example.org")))
    real_get = FamilyModel.get

    def read_then_someone_writes(number, *args, **kwargs):
        stale = real_get(number, *args, **kwargs)
        fresh = real_get(number, *args, **kwargs)
        fresh.phones = ["01 02 03 04 05"]
        fresh.save()  # another secretary's edit lands between the read and the write
        return stale

    monkeypatch.setattr(FamilyModel, "get", read_then_someone_writes)
    with pytest.raises(Conflict) as raised:
        # The second address goes (a delete, which DynamoDB receives first) and the name
        # changes: the family item is the one that refuses.
        accounts.save_family(family, replace(family, name="TEST-MARTIN",
                                             emails=family.emails[:1]))
    assert not isinstance(raised.value, EmailTaken)
    monkeypatch.undo()
    assert accounts.get_family("1001").name == "TEST"
