"""The régie's debit file (ISO 20022 pain.008, SEPA CORE) the commune uploads to its bank.

Every file is validated against the schema of its version (tests/data/sepa, the copies
sepaxml 2.7.0 ships); what the schema cannot see (totals, counts, batches, the EPC rules
for amendments and characters, same inputs giving the same bytes) is asserted here.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
import sepaxml.debit
import sepaxml.utils
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from chalicelib.domain.errors import ValidationError
from chalicelib.domain.sepa import (
    FRST,
    RCUR,
    Account,
    Debit,
    DirectDebitSettings,
    check_account,
    ics_key,
)
from chalicelib.domain.sepa_file import debit_file_name, pain_008, sepa_text

SCHEMAS = Path(__file__).resolve().parent.parent / "data" / "sepa"
VERSIONS = ("pain.008.001.02", "pain.008.001.08")


@pytest.fixture(scope="module")
def xsd() -> dict[str, etree.XMLSchema]:
    return {v: etree.XMLSchema(etree.parse(str(SCHEMAS / f"{v}.xsd"))) for v in VERSIONS}


# -- a month of the régie: November 2026, collected on 10 and 11 December ---------------

ICS = "FR" + ics_key("FR", "123456") + "ZZZ123456"
REGIE = check_account("FR7630004008280001039586007")           # BNP Paribas
LEFEVRE = check_account("FR7630006000011234567890189")         # Crédit Agricole
LEFEVRE_BEFORE = check_account("FR7630006000019876543210076")  # the same bank
OBRIEN = check_account("DE89370400440532013000")               # Commerzbank
OBRIEN_BEFORE = check_account("FR1420041010050500013M02606")   # La Banque Postale
NUNEZ = check_account("NL91ABNA0417164300")

SETTINGS = DirectDebitSettings(enabled=True, creditor_name="Régie cantine de Saint-Just-d’Avray",
                               creditor_id=ICS, creditor_iban=REGIE.iban,
                               creditor_bic=REGIE.bic, schema="pain.008.001.08")
CREATED = datetime(2026, 11, 20, 8, 30, 15, 123456, tzinfo=dt.UTC)
DAY1, DAY2 = date(2026, 12, 10), date(2026, 12, 11)


def debit(invoice: str, cents: int, sequence: str = RCUR, day: date = DAY1,
          holder: str = "Élodie Lefèvre-Dupré", account: Account = LEFEVRE,
          amended_from: Account | None = None, rum: str | None = None) -> Debit:
    return Debit(month="2026-11", invoice=invoice, family="FAM-0007", amount_cents=cents,
                 collection_date=day, rum=rum or f"RUM-{invoice}", signed_on=date(2026, 9, 1),
                 holder=holder, account=account, sequence=sequence,
                 amended_from=amended_from)


MONTH = (
    debit("2026-000014", 7055, RCUR, DAY1),
    debit("2026-000012", 4980, FRST, DAY1, holder="Noël O’Brien", account=OBRIEN),
    debit("2026-000013", 12345, RCUR, DAY2, holder="Maëlys Núñez", account=NUNEZ),
    debit("2026-000011", 2080, FRST, DAY2, holder="Cœur de Lœwe"),
    debit("2026-000015", 5, RCUR, DAY1, holder="Zoé Martin"),
)


def build(debits=MONTH, schema: str = "pain.008.001.08", **changes) -> bytes:
    return pain_008(replace(SETTINGS, schema=schema, **changes), debits,
                    message_id="PRLV-2026-11-01", created_at=CREATED)


def parsed(data: bytes, schema: str = "pain.008.001.08") -> etree._Element:
    root = etree.fromstring(data)
    # Drop the namespace so that paths read like the guidelines.
    assert root.tag == f"{{urn:iso:std:iso:20022:tech:xsd:{schema}}}Document"
    for element in root.iter():
        element.tag = etree.QName(element).localname
    return root


def texts(root: etree._Element, path: str) -> list[str]:
    return [e.text for e in root.iterfind(path)]


def transaction(root: etree._Element, invoice: str) -> etree._Element:
    [found] = [t for t in root.iterfind(".//DrctDbtTxInf")
               if t.findtext("PmtId/EndToEndId") == invoice]
    return found


# -- schema ---------------------------------------------------------------------------------

@pytest.mark.parametrize("schema", VERSIONS)
def test_the_month_file_is_valid_against_the_schema_of_its_version(xsd, schema):
    data = build(schema=schema)
    xsd[schema].assertValid(etree.fromstring(data))
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')


@pytest.mark.parametrize("schema", VERSIONS)
def test_amendments_of_both_kinds_are_valid_in_both_versions(xsd, schema):
    debits = (debit("2026-000021", 3000, amended_from=LEFEVRE_BEFORE),
              debit("2026-000022", 3100, holder="Noël O’Brien", account=OBRIEN,
                    amended_from=OBRIEN_BEFORE))
    xsd[schema].assertValid(etree.fromstring(build(debits, schema=schema)))


def test_the_creditor_bank_is_written_as_each_version_names_it():
    assert texts(parsed(build(schema="pain.008.001.02"), "pain.008.001.02"),
                 ".//CdtrAgt/FinInstnId/BIC") == ["BNPAFRPP", "BNPAFRPP", "BNPAFRPP",
                                                  "BNPAFRPP"]
    assert set(texts(parsed(build()), ".//CdtrAgt/FinInstnId/BICFI")) == {"BNPAFRPP"}
    assert set(texts(parsed(build()), ".//DbtrAgt/FinInstnId/BICFI")) \
        == {"AGRIFRPPXXX", "COBADEFFXXX", "ABNANL2A"}


# -- batches, totals, counts -----------------------------------------------------------------

def test_one_batch_per_sequence_and_collection_date_in_date_then_sequence_order():
    root = parsed(build())
    batches = root.findall("CstmrDrctDbtInitn/PmtInf")
    assert [(b.findtext("PmtTpInf/SeqTp"), b.findtext("ReqdColltnDt")) for b in batches] \
        == [("FRST", "2026-12-10"), ("RCUR", "2026-12-10"),
            ("FRST", "2026-12-11"), ("RCUR", "2026-12-11")]
    assert [texts(b, "DrctDbtTxInf/PmtId/EndToEndId") for b in batches] \
        == [["2026-000012"], ["2026-000014", "2026-000015"], ["2026-000011"],
            ["2026-000013"]]
    for b in batches:
        assert b.findtext("PmtMtd") == "DD"
        assert b.findtext("BtchBookg") == "true"
        assert b.findtext("PmtTpInf/SvcLvl/Cd") == "SEPA"
        assert b.findtext("PmtTpInf/LclInstrm/Cd") == "CORE"
        assert b.findtext("ChrgBr") == "SLEV"


def test_totals_and_counts_are_right_in_each_batch_and_in_the_header():
    root = parsed(build())
    for b in root.iterfind("CstmrDrctDbtInitn/PmtInf"):
        amounts = [Decimal(a) for a in texts(b, "DrctDbtTxInf/InstdAmt")]
        assert b.findtext("NbOfTxs") == str(len(amounts))
        assert Decimal(b.findtext("CtrlSum")) == sum(amounts)
    header = root.find("CstmrDrctDbtInitn/GrpHdr")
    assert header.findtext("NbOfTxs") == "5"
    assert header.findtext("CtrlSum") == "264.65"  # 70.55 + 49.80 + 123.45 + 20.80 + 0.05
    assert [b.findtext("CtrlSum") for b in root.iterfind("CstmrDrctDbtInitn/PmtInf")] \
        == ["49.80", "70.60", "20.80", "123.45"]


def test_amounts_are_written_from_cents_with_two_decimals_and_the_currency():
    root = parsed(build())
    assert transaction(root, "2026-000015").find("InstdAmt").text == "0.05"
    assert transaction(root, "2026-000015").find("InstdAmt").get("Ccy") == "EUR"
    assert transaction(root, "2026-000013").findtext("InstdAmt") == "123.45"


# -- identifiers, time, determinism -----------------------------------------------------------

def test_the_message_and_batches_carry_the_callers_ids_and_paris_time():
    root = parsed(build())
    header = root.find("CstmrDrctDbtInitn/GrpHdr")
    assert header.findtext("MsgId") == "PRLV-2026-11-01"
    # 08:30:15 UTC on 20 November is 09:30:15 in Paris (winter time), to the second.
    assert header.findtext("CreDtTm") == "2026-11-20T09:30:15+01:00"
    assert texts(root, "CstmrDrctDbtInitn/PmtInf/PmtInfId") == [
        "PRLV-2026-11-01-FRST-20261210", "PRLV-2026-11-01-RCUR-20261210",
        "PRLV-2026-11-01-FRST-20261211", "PRLV-2026-11-01-RCUR-20261211"]
    summer = pain_008(SETTINGS, MONTH, message_id="M1",
                      created_at=datetime(2026, 6, 30, 22, 0, tzinfo=dt.UTC))
    assert parsed(summer).findtext(".//GrpHdr/CreDtTm") == "2026-07-01T00:00:00+02:00"


class _Clock:
    """sepaxml's view of the time, moved at will."""

    def __init__(self, now: datetime) -> None:
        self.value = now

    def now(self) -> datetime:
        return self.value


def test_same_inputs_give_the_same_bytes_whatever_the_time_and_sepaxmls_randomness(
        monkeypatch):
    clock = _Clock(datetime(2031, 1, 2, 3, 4, 5))
    fake = SimpleNamespace(datetime=clock, date=dt.date)
    monkeypatch.setattr(sepaxml.debit, "datetime", fake)
    monkeypatch.setattr(sepaxml.utils, "datetime", fake)
    assert sepaxml.utils.make_msg_id().startswith("20310102")  # sepaxml reads this clock
    first = build(MONTH[::-1])
    clock.value = datetime(2032, 7, 8, 9, 10, 11)
    second = build(MONTH)  # another order of the same debits, too
    assert first == second
    assert b"2031" not in first and b"2032" not in first


def test_each_transaction_names_the_invoice_the_mandate_and_the_debtor():
    tx = transaction(parsed(build()), "2026-000012")
    assert tx.findtext("PmtId/EndToEndId") == "2026-000012"
    assert tx.findtext("DrctDbtTx/MndtRltdInf/MndtId") == "RUM-2026-000012"
    assert tx.findtext("DrctDbtTx/MndtRltdInf/DtOfSgntr") == "2026-09-01"
    assert tx.find("DrctDbtTx/MndtRltdInf/AmdmntInd") is None
    assert tx.findtext("DbtrAgt/FinInstnId/BICFI") == "COBADEFFXXX"
    assert tx.findtext("Dbtr/Nm") == "Noel O'Brien"
    assert tx.findtext("DbtrAcct/Id/IBAN") == "DE89370400440532013000"
    assert tx.findtext("RmtInf/Ustrd") == "Facture 2026-000012"


def test_the_creditor_is_named_with_its_ics_and_account_in_every_batch():
    root = parsed(build())
    assert root.findtext(".//GrpHdr/InitgPty/Nm") == "Regie cantine de Saint-Just-d'Avray"
    for b in root.iterfind("CstmrDrctDbtInitn/PmtInf"):
        assert b.findtext("Cdtr/Nm") == "Regie cantine de Saint-Just-d'Avray"
        assert b.findtext("CdtrAcct/Id/IBAN") == REGIE.iban
        assert b.findtext("CdtrSchmeId/Id/PrvtId/Othr/Id") == ICS
        assert b.findtext("CdtrSchmeId/Id/PrvtId/Othr/SchmeNm/Prtry") == "SEPA"


# -- characters -----------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "sent"), [
    ("Élodie Lefèvre-Dupré", "Elodie Lefevre-Dupre"),
    ("Maëlys Núñez", "Maelys Nunez"),
    ("Cœur de Lœwe", "Coeur de Loewe"),
    ("Noël O’Brien", "Noel O'Brien"),
    ("Dupont & Fils <SARL>", "Dupont Fils SARL"),
    ("  Anne\u200b   Marie\t", "Anne Marie"),
])
def test_names_are_cleaned_to_the_sepa_latin_character_set(typed, sent):
    assert sepa_text(typed, 70) == sent


def test_names_in_the_file_are_cleaned_and_at_most_70_characters(xsd):
    long_name = "Marie-Françoise de La Tour d’Auvergne-Lauraguais " * 3
    data = build((debit("2026-000031", 100, holder="Maëlys Núñez"),
                  debit("2026-000032", 100, holder="Cœur de Lœwe"),
                  debit("2026-000033", 100, holder=long_name)))
    root = parsed(data)
    names = texts(root, ".//Dbtr/Nm")
    assert names[:2] == ["Maelys Nunez", "Coeur de Loewe"]
    assert len(names[2]) <= 70 and names[2].startswith("Marie-Francoise de La Tour d'Auvergne")
    assert data.isascii()
    xsd["pain.008.001.02"].assertValid(etree.fromstring(build(
        (debit("2026-000033", 100, holder=long_name),), schema="pain.008.001.02")))


# -- amendments -------------------------------------------------------------------------------

def test_a_new_account_at_the_same_bank_gives_the_former_iban():
    tx = transaction(parsed(build((debit("2026-000041", 3000, amended_from=LEFEVRE_BEFORE),))),
                     "2026-000041")
    mandate = tx.find("DrctDbtTx/MndtRltdInf")
    assert [c.tag for c in mandate] == ["MndtId", "DtOfSgntr", "AmdmntInd", "AmdmntInfDtls"]
    assert mandate.findtext("AmdmntInd") == "true"
    assert mandate.findtext("AmdmntInfDtls/OrgnlDbtrAcct/Id/IBAN") == LEFEVRE_BEFORE.iban
    assert mandate.find("AmdmntInfDtls/OrgnlDbtrAgt") is None
    assert tx.findtext("DbtrAcct/Id/IBAN") == LEFEVRE.iban


@pytest.mark.parametrize("schema", VERSIONS)
def test_a_new_account_at_another_bank_gives_smnda_as_the_original_account(schema):
    data = build((debit("2026-000042", 3000, RCUR, holder="Noël O’Brien", account=OBRIEN,
                        amended_from=OBRIEN_BEFORE),), schema=schema)
    mandate = transaction(parsed(data, schema), "2026-000042").find("DrctDbtTx/MndtRltdInf")
    assert mandate.findtext("AmdmntInd") == "true"
    details = mandate.find("AmdmntInfDtls")
    assert [c.tag for c in details] == ["OrgnlDbtrAcct"]
    assert details.findtext("OrgnlDbtrAcct/Id/Othr/Id") == "SMNDA"
    assert OBRIEN_BEFORE.iban.encode() not in data  # the former account is not disclosed


def test_an_unchanged_account_carries_no_amendment():
    data = build((debit("2026-000043", 3000, amended_from=LEFEVRE),))
    assert b"AmdmntInd" not in data


# -- refusals ---------------------------------------------------------------------------------

def test_an_empty_month_is_refused():
    with pytest.raises(ValidationError) as error:
        build(())
    assert error.value.code == "no_debits"


@pytest.mark.parametrize(("change", "field"), [
    ({"creditor_iban": ""}, "direct_debit.creditor_iban"),
    ({"creditor_id": ""}, "direct_debit.creditor_id"),
    ({"creditor_id": "FR00ZZZ123456"}, "direct_debit.creditor_id"),  # wrong key
    ({"creditor_name": "  "}, "direct_debit.creditor_name"),
    ({"creditor_bic": "", "schema": "pain.008.001.02"}, "direct_debit.creditor_bic"),
])
def test_a_regie_without_its_iban_or_ics_cannot_produce_a_file(change, field):
    with pytest.raises(ValidationError) as error:
        build(**change)
    assert error.value.code == "direct_debit_not_ready"
    assert error.value.field == field


def test_version_08_takes_a_regie_without_bic(xsd):
    data = build(creditor_bic="")
    xsd["pain.008.001.08"].assertValid(etree.fromstring(data))
    assert parsed(data).findtext(".//CdtrAgt/FinInstnId/Othr/Id") == "NOTPROVIDED"


@pytest.mark.parametrize(("bad", "field"), [
    (debit("2026-000051", 0), "debits[0].amount_cents"),
    (debit("2026-000051", -100), "debits[0].amount_cents"),
    (replace(debit("2026-000051", 100), amount_cents=1.5), "debits[0].amount_cents"),
    (debit("2026-000051", 100, sequence="OOFF"), "debits[0].sequence"),
    (debit("Facture n° 51", 100), "debits[0].invoice"),
    (debit("2026-000051", 100, rum="RUM/" + "9" * 40), "debits[0].rum"),
    (debit("2026-000051", 100, rum="/RUM-1"), "debits[0].rum"),
    (debit("2026-000051", 100, holder="  "), "debits[0].holder"),
])
def test_a_debit_the_banks_would_reject_is_refused_with_its_field(bad, field):
    with pytest.raises(ValidationError) as error:
        build((bad,))
    assert error.value.code == "invalid_debit"
    assert error.value.field == field


def test_an_invoice_debited_twice_in_a_file_is_refused():
    with pytest.raises(ValidationError) as error:
        build((debit("2026-000061", 100), debit("2026-000061", 200, day=DAY2)))
    assert error.value.field == "debits[1].invoice"


def test_wrong_message_ids_and_naive_times_are_programming_errors():
    for message_id in ("", "x" * 22, "PRLV 1", "-PRLV"):
        with pytest.raises(ValueError):
            pain_008(SETTINGS, MONTH, message_id=message_id, created_at=CREATED)
    with pytest.raises(ValueError):
        pain_008(SETTINGS, MONTH, message_id="M1", created_at=datetime(2026, 11, 20, 9))


def test_the_file_name_gives_the_month_and_message_id_whatever_the_settings_became():
    assert debit_file_name(SETTINGS, "2026-11", "PRLV-2026-11-01") \
        == "prelevements-2026-11-PRLV-2026-11-01.xml"
    # A file written before the commune cleared its IBAN is still downloaded by its name.
    assert debit_file_name(replace(SETTINGS, creditor_iban=""), "2026-11", "PRLV-2026-11-01") \
        == "prelevements-2026-11-PRLV-2026-11-01.xml"
    with pytest.raises(ValueError):
        debit_file_name(SETTINGS, "2026-13", "PRLV-2026-11-01")


# -- property: any month of positive debits makes a valid file that adds up --------------------

ACCOUNTS = (LEFEVRE, OBRIEN, NUNEZ, OBRIEN_BEFORE)
HOLDERS = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)),
                  min_size=0, max_size=90).map(lambda s: "Éa" + s)
DEBITS = st.lists(
    st.builds(lambda n, cents, seq, day, holder, account, former: debit(
                  f"2026-{n:06d}", cents, seq, date(2026, 12, day), holder, account, former),
              st.integers(1, 999_999), st.integers(1, 10**9), st.sampled_from((FRST, RCUR)),
              st.integers(1, 31), HOLDERS, st.sampled_from(ACCOUNTS),
              st.none() | st.sampled_from(ACCOUNTS)),
    min_size=1, max_size=12, unique_by=lambda d: d.invoice)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(debits=DEBITS, schema=st.sampled_from(VERSIONS))
def test_any_month_of_positive_debits_is_a_valid_file_whose_control_sum_adds_up(
        xsd, debits, schema):
    data = build(debits, schema=schema)
    xsd[schema].assertValid(etree.fromstring(data))
    root = parsed(data, schema)
    total = sum(d.amount_cents for d in debits)
    assert Decimal(root.findtext("CstmrDrctDbtInitn/GrpHdr/CtrlSum")) * 100 == total
    assert root.findtext("CstmrDrctDbtInitn/GrpHdr/NbOfTxs") == str(len(debits))
    assert sum(Decimal(c) for c in texts(root, "CstmrDrctDbtInitn/PmtInf/CtrlSum")) * 100 \
        == total
