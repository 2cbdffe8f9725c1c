"""Parents at the same moment: no saved change is lost, every sign-in gets its answer."""
from __future__ import annotations

from scripts.bench.load import (create_families, deadline_families, deadline_peak,
                               parallel_savers, parallel_sign_ins)


def test_twenty_parents_saving_the_same_child_at_once_lose_no_change(stack, report):
    figures = parallel_savers(stack.url, savers=20)
    report(figures)
    assert figures["lost"] == []
    assert figures["saved"] == 20
    # Whatever could not be merged was refused out loud (409), never dropped quietly.
    assert set(figures["answers"]) <= {200, 409}, figures


def test_two_hundred_sign_ins_at_once_are_each_answered_correctly(stack, report):
    accounts = create_families(stack.url, 36)
    figures = parallel_sign_ins(stack.url, accounts, per_account=5, strangers=20)
    report(figures)
    assert figures["sign_ins"] == 200
    assert figures["wrong_answers"] == []
    assert figures["answers"] == {200: 180, 401: 20}
    assert figures["distinct_sessions"] == 180


def test_the_last_minutes_before_the_deadline_lose_no_save_and_refuse_none(stack, report):
    # Twelve families arriving within five seconds (the deadline's ten minutes, made
    # denser): each signs in, opens the grid, books its next open days, opens it again.
    families = deadline_families(stack.url, 12)
    figures = deadline_peak(stack.url, families, window_s=5.0)
    report({k: v for k, v in figures.items() if k != "by_call"} | {
        "by_call_p95_ms": {k: v["p95_ms"] for k, v in figures["by_call"].items()}})
    assert figures["errors"] == [] and figures["lost"] == [], figures
    assert figures["answers"] == {200: 12 * 4}, figures
    assert all(call["calls"] == 12 for call in figures["by_call"].values())
