"""The "Relevé de compte" as the Saint-Just-d'Avray guide shows it: newest first, today's
"SOLDE A CE JOUR" line on top carrying today's balance, the account's opening at the bottom."""
from __future__ import annotations

from datetime import date

from chalicelib.domain.ledger import LedgerEntry, statement

TODAY = date(2026, 12, 7)


def rows(result):
    return [(l["date"], l["type_label"], l["debit_cents"], l["credit_cents"], l["balance_cents"])
            for l in result["lines"]]


def test_under_a_debit_todays_line_carries_the_balance_not_zero():
    debit = LedgerEntry("1001", date(2026, 12, 1), "invoice", "Facture novembre 2026",
                        "2026-000001", 4250, 0)
    result = statement([debit], None, TODAY)
    assert rows(result) == [
        ("2026-12-07", "SOLDE A CE JOUR", 0, 0, 4250),
        ("2026-12-01", "Facture", 4250, 0, 4250),
        ("2026-12-01", "Solde initial", 0, 0, 0)]
    assert result["balance_cents"] == 4250


def test_a_new_account_reads_solde_a_ce_jour_then_solde_initial_at_zero():
    assert rows(statement([], None, TODAY)) == [
        ("2026-12-07", "SOLDE A CE JOUR", 0, 0, 0), ("2026-12-07", "Solde initial", 0, 0, 0)]


def test_a_balance_carried_over_is_the_report_line():
    carried = LedgerEntry("1001", date(2026, 9, 1), "opening", "Reprise de l'ancien portail",
                          None, 1200, 0)
    paid = LedgerEntry("1001", date(2026, 9, 10), "payment", "Chèque", None, 0, 1200)
    assert rows(statement([carried, paid], None, TODAY)) == [
        ("2026-12-07", "SOLDE A CE JOUR", 0, 0, 0),
        ("2026-09-10", "Paiement", 0, 1200, 0),
        ("2026-09-01", "Report", 1200, 0, 1200)]


def test_the_first_screen_counts_todays_line_among_its_five():
    entries = [LedgerEntry("1001", date(2026, 9, d), "payment", "Chèque", None, 0, 100)
               for d in range(1, 11)]
    result = statement(entries, 5, TODAY)
    assert len(result["lines"]) == 5 and result["total"] == 12
    assert result["lines"][0]["type_label"] == "SOLDE A CE JOUR"
    assert result["lines"][0]["balance_cents"] == -1000
