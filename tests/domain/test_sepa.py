"""Direct debit's rules as tables: accounts (IBAN key, SEPA zone, BIC typed or derived),
the masked IBAN, the creditor identifier's key, the collection date (notice, weekends,
TARGET2 holidays, month and year ends), the sequence, a reject's count and the
commune's settings."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from chalicelib.domain.errors import ValidationError
from chalicelib.domain.sepa import (
    ACTIVE,
    FRST,
    RCUR,
    REVOKED,
    SUSPENDED,
    Account,
    Debit,
    DirectDebitSettings,
    Mandate,
    Reject,
    after_reject,
    check_account,
    collection_date,
    direct_debit_from_dict,
    direct_debit_to_dict,
    ics_is_valid,
    ics_key,
    mandate_text,
    mask_iban,
    parse_direct_debit,
    rum,
    same_bank,
    sequence_of,
)

IBAN = "FR7630006000011234567890189"


# -- accounts ------------------------------------------------------------------------------

@pytest.mark.parametrize("iban, bic, expected", [
    (IBAN, None, Account(IBAN, "AGRIFRPPXXX")),                       # BIC derived
    ("fr76 3000 6000 0112 3456 7890 189", "", Account(IBAN, "AGRIFRPPXXX")),  # as typed
    (IBAN, "agrifrpp", Account(IBAN, "AGRIFRPP")),                    # BIC typed wins
    ("DE89370400440532013000", None, Account("DE89370400440532013000", "COBADEFFXXX")),
    ("FR1420041010050500013M02606", None, Account("FR1420041010050500013M02606", "PSSTFRPP")),
])
def test_a_good_account_is_kept_compact_with_its_bic(iban, bic, expected):
    assert check_account(iban, bic) == expected


@pytest.mark.parametrize("iban, bic, field, code", [
    ("FR7630006000011234567890188", None, "iban", "invalid_iban"),  # checksum
    ("FR76300060000112345678901", None, "iban", "invalid_iban"),    # too short
    ("", None, "iban", "invalid_iban"),
    (None, None, "iban", "invalid_iban"),
    ("BR1500000000000010932840814P2", None, "iban", "invalid_iban"),  # outside SEPA
    (IBAN, "NOT A BIC", "bic", "invalid_bic"),
    (IBAN, 12, "bic", "invalid_bic"),
])
def test_a_bad_account_is_refused_on_its_field(iban, bic, field, code):
    with pytest.raises(ValidationError) as refused:
        check_account(iban, bic)
    assert (refused.value.code, refused.value.field) == (code, field)


def test_a_bank_whose_bic_is_unknown_needs_it_typed(monkeypatch):
    from schwifty import IBAN as SchwiftyIban
    monkeypatch.setattr(SchwiftyIban, "bic", property(lambda self: None))
    with pytest.raises(ValidationError) as refused:
        check_account(IBAN)
    assert (refused.value.code, refused.value.field) == ("bic_required", "bic")
    assert check_account(IBAN, "AGRIFRPP").bic == "AGRIFRPP"


def test_a_nested_field_names_its_bic_next_to_it():
    with pytest.raises(ValidationError) as refused:
        check_account(IBAN, "??", "direct_debit.creditor_iban")
    assert refused.value.field == "direct_debit.bic"


@pytest.mark.parametrize("iban, masked", [
    (IBAN, "FR76 **** **** **** 0189"),
    ("DE89370400440532013000", "DE89 **** **** **** 3000"),
    ("FR76", "****"),
])
def test_an_iban_is_masked_but_for_its_country_key_and_last_digits(iban, masked):
    assert mask_iban(iban) == masked


def test_two_accounts_of_one_bank_share_the_bics_first_8_characters():
    assert same_bank(Account(IBAN, "AGRIFRPPXXX"), Account("x", "AGRIFRPP"))
    assert not same_bank(Account(IBAN, "AGRIFRPPXXX"), Account("x", "PSSTFRPP"))


# -- the creditor identifier -----------------------------------------------------------------

@pytest.mark.parametrize("ics, valid", [
    ("FR72ZZZ123456", True),
    ("FR72ABC123456", True),     # the business code is left out of the key
    ("FR73ZZZ123456", False),    # wrong key
    ("FR72ZZZ12345", False),     # a French ICS has 13 characters
    ("fr72zzz123456", False),
    ("", False),
])
def test_an_ics_key_is_checked(ics, valid):
    assert ics_is_valid(ics) is valid


def test_an_ics_key_is_computed_for_demo_identifiers():
    assert ics_key("FR", "123456") == "72"
    assert ics_is_valid(f"FR{ics_key('FR', '654321')}ZZZ654321")


# -- dates and sequence ----------------------------------------------------------------------

ON_THE_10TH = DirectDebitSettings(enabled=True, debit_day=10, notice_days=14)


@pytest.mark.parametrize("today, settings, expected", [
    # The 10th, 14 days ahead: this month's 10th when far enough.
    (date(2026, 11, 23), ON_THE_10TH, date(2026, 12, 10)),
    # Too close to the 10th: the next month's.
    (date(2026, 11, 27), ON_THE_10TH, date(2027, 1, 11)),      # Sun 10 Jan → Mon 11
    # A Saturday moves to the Monday.
    (date(2026, 12, 20), replace(ON_THE_10TH, debit_day=9), date(2027, 1, 11)),
    # TARGET2 holidays: 1 May (a Friday in 2026) → Monday 4 May.
    (date(2026, 4, 10), replace(ON_THE_10TH, debit_day=1), date(2026, 5, 4)),
    # Christmas and 26 December, then the weekend: Monday 28.
    (date(2026, 12, 1), replace(ON_THE_10TH, debit_day=25), date(2026, 12, 28)),
    # Notice across the month's and the year's end.
    (date(2026, 11, 25), replace(ON_THE_10TH, debit_day=5), date(2027, 1, 5)),
    (date(2026, 12, 30), replace(ON_THE_10TH, debit_day=20), date(2027, 1, 20)),
    # A shorter notice the mandate text states.
    (date(2026, 11, 27), replace(ON_THE_10TH, notice_days=5), date(2026, 12, 10)),
])
def test_the_collection_date_keeps_the_notice_and_falls_on_a_target_day(
        today, settings, expected):
    assert collection_date(today, settings) == expected
    assert (collection_date(today, settings) - today).days >= settings.notice_days


def mandate(**changes) -> Mandate:
    values = dict(family="1001", rum=rum("1001", 1), holder="Marie TEST",
                  account=Account(IBAN, "AGRIFRPPXXX"), status=ACTIVE,
                  signed_on=date(2026, 11, 23), channel="online", text_version="2026-1",
                  signed_by="famille.test@example.org")
    values.update(changes)
    return Mandate(**values)


def test_the_first_debit_is_frst_and_the_next_ones_rcur():
    assert sequence_of(mandate()) == FRST
    assert sequence_of(mandate(collected=True)) == RCUR


def test_the_rum_is_the_familys_number_and_the_mandates_rank():
    assert rum("1001", 1) == "RUM-1001-001"
    assert rum("1042", 12) == "RUM-1042-012"


@pytest.mark.parametrize("before, max_rejects, status, rejects", [
    (mandate(), 2, ACTIVE, 1),
    (mandate(rejects=1), 2, SUSPENDED, 2),             # the commune's limit reached
    (mandate(), 1, SUSPENDED, 1),
    (mandate(status=SUSPENDED, rejects=3), 2, SUSPENDED, 4),
    (mandate(status=REVOKED), 1, REVOKED, 1),          # never brought back
])
def test_a_reject_is_counted_and_suspends_at_the_communes_limit(before, max_rejects, status,
                                                                rejects):
    debit = Debit("2026-11", "2026-000001", before.family, 550, date(2027, 1, 11), before.rum,
                  before.signed_on, before.holder, before.account, "RCUR", status="rejete",
                  reject=Reject("AM04", date(2027, 1, 12), "mairie", datetime(2027, 1, 13)))
    after = after_reject(before, replace(ON_THE_10TH, max_rejects=max_rejects), debit)
    assert (after.status, after.rejects) == (status, rejects)
    if status == SUSPENDED and before.status == ACTIVE:
        assert after.status_reason == \
            f"Suspendu après {rejects} rejets (dernier motif : AM04)"


def test_a_rejected_first_debit_leaves_the_next_one_first_and_keeps_its_amendment():
    before = Mandate("1001", "RUM-1001-001", "Claire Martin", Account(IBAN, "AGRIFRPPXXX"),
                     ACTIVE, date(2026, 11, 2), "online", "2026-1", "parent@example.org",
                     collected=True)
    former = Account("FR7630001007941234567890185", "BDFEFRPPXXX")
    debit = Debit("2026-11", "2026-000001", "1001", 550, date(2027, 1, 11), before.rum,
                  before.signed_on, before.holder, before.account, "FRST", former,
                  status="rejete",
                  reject=Reject("AC04", date(2027, 1, 12), "mairie", datetime(2027, 1, 13)))
    after = after_reject(before, replace(ON_THE_10TH, max_rejects=3), debit)
    assert (after.collected, sequence_of(after), after.amended_from) == (False, "FRST", former)


def test_the_mandate_text_names_the_creditor_and_the_notice():
    text = mandate_text(replace(ON_THE_10TH, creditor_name="Mairie de Test", notice_days=5))
    assert "Mairie de Test" in text[0] and "5 jours" in text[2]
    assert "la commune" in mandate_text(DirectDebitSettings())[0]


# -- the commune's settings ------------------------------------------------------------------

GOOD = {"enabled": True, "creditor_name": "Commune de Test", "creditor_id": "FR72 ZZZ 123456",
        "creditor_iban": "FR76 3000 1007 9412 3456 7890 185", "debit_day": 5,
        "notice_days": 10, "max_rejects": 3, "schema": "pain.008.001.02"}


def test_the_settings_are_parsed_and_kept_round_trip():
    parsed = parse_direct_debit(GOOD, DirectDebitSettings())
    assert parsed == DirectDebitSettings(True, "Commune de Test", "FR72ZZZ123456",
                                         "FR7630001007941234567890185", "BDFEFRPP", 5, 10, 3,
                                         "pain.008.001.02")
    assert direct_debit_from_dict(direct_debit_to_dict(parsed)) == parsed
    assert direct_debit_from_dict(None) == DirectDebitSettings()
    assert parse_direct_debit({"debit_day": 7}, parsed) == replace(parsed, debit_day=7)


@pytest.mark.parametrize("change, field", [
    ({"enabled": "yes"}, "direct_debit.enabled"),
    ({"creditor_name": ""}, "direct_debit.creditor_name"),
    ({"creditor_name": "x" * 71}, "direct_debit.creditor_name"),
    ({"creditor_id": "FR73ZZZ123456"}, "direct_debit.creditor_id"),
    ({"creditor_id": ""}, "direct_debit.creditor_id"),
    ({"creditor_iban": "FR7630001007941234567890184"}, "direct_debit.creditor_iban"),
    ({"debit_day": 29}, "direct_debit.debit_day"),
    ({"debit_day": 0}, "direct_debit.debit_day"),
    ({"debit_day": True}, "direct_debit.debit_day"),
    ({"notice_days": 1}, "direct_debit.notice_days"),
    ({"notice_days": 31}, "direct_debit.notice_days"),
    ({"max_rejects": 0}, "direct_debit.max_rejects"),
    ({"max_rejects": 11}, "direct_debit.max_rejects"),
    ({"schema": "pain.008.001.99"}, "direct_debit.schema"),
])
def test_bad_settings_are_refused_on_their_field(change, field):
    with pytest.raises(ValidationError) as refused:
        parse_direct_debit({**GOOD, **change}, DirectDebitSettings())
    assert refused.value.field == field


def test_settings_that_are_not_an_object_are_refused():
    with pytest.raises(ValidationError):
        parse_direct_debit([], DirectDebitSettings())


def test_direct_debit_off_needs_no_creditor():
    assert parse_direct_debit({"enabled": False}, DirectDebitSettings()).enabled is False
