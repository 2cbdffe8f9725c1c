"""Property-based: whatever happens — bookings, invoice runs (some crashing midway, some
refused by DynamoDB throttling at any request, and rerun), payments, credit notes — the
balance is the sum of the lines, no family is billed twice for a month (a credited
invoice may be replaced, never doubled), and the yearly numbering has no gap."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings, strategies as st
from moto import mock_aws
from pynamodb.connection.base import Connection

from chalicelib import wiring
from chalicelib.domain.accounts import Child
from chalicelib.storage.billing import BillingRepository
from tests import moto_baseline

PARIS = ZoneInfo("Europe/Paris")
DECEMBER_DAYS = [date(2026, 12, d) for d in (1, 3, 4, 7, 8, 10, 11, 14, 15, 17, 18)]
JANUARY_DAYS = [date(2027, 1, d) for d in (4, 5, 7, 8, 11, 12, 14, 15)]


class Crash(Exception):
    """A Lambda cut short between two families."""


def throttled(operation_name: str) -> ClientError:
    """What DynamoDB answers once the SDK's own retries are spent."""
    return ClientError({"Error": {"Code": "ProvisionedThroughputExceededException",
                                  "Message": "Rate of requests exceeds the allowed throughput."}},
                       operation_name)


def bill(services, month: str) -> None:
    """Draft the month, then confirm it, as staff do."""
    services.invoicing.build_draft(month, "staff", "test", services.clock.now)
    services.invoicing.confirm_month(month, "staff", "test", services.clock.now)


operation = st.one_of(
    st.tuples(st.just("run"), st.sampled_from(["2026-12", "2027-01"]),
              st.integers(min_value=0, max_value=2)),          # crash after N invoices (0 = none)
    st.tuples(st.just("throttle"), st.sampled_from(["2026-12", "2027-01"]),
              # The Nth request is refused: a run reads the month day by day (~130
              # requests), then writes each family's invoice: aim at both.
              st.one_of(st.integers(min_value=1, max_value=140),
                        st.integers(min_value=126, max_value=140))),
    st.tuples(st.just("pay"), st.sampled_from(["1001", "1002"]),
              st.integers(min_value=1, max_value=5000)),
    st.tuples(st.just("credit"), st.sampled_from(["1001", "1002"]), st.integers(0, 3)),
)


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(bookings=st.fixed_dictionaries({
           "1001": st.sets(st.sampled_from(DECEMBER_DAYS + JANUARY_DAYS), max_size=8),
           "1002": st.sets(st.sampled_from(DECEMBER_DAYS + JANUARY_DAYS), max_size=8)}),
       operations=st.lists(operation, min_size=1, max_size=8))
def test_the_ledger_stays_consistent_whatever_happens(bookings, operations):
    with mock_aws():
        wiring.reset()
        services = wiring.container()
        moto_baseline.prepare(services)
        services.clock.set(datetime(2026, 11, 23, 10, 0, tzinfo=PARIS))
        second = services.families.create_family(
            {"name": "DEUX", "emails": ["deux@example.org"]}, services.clock.now())
        services.accounts.add_child(second.number, Child("", "LOU", "DEUX"))
        for number, days in bookings.items():
            family = services.accounts.get_family(number)
            if days:
                services.bookings.save(family, f"{number}-1", {"changes": [
                    {"date": d.isoformat(), "service": "meal", "booked": True}
                    for d in sorted(days)]}, services.clock.now())
        services.clock.set(datetime(2027, 2, 1, 8, 0, tzinfo=PARIS))
        repository = BillingRepository()
        original_issue = repository.issue_invoice.__func__
        numbers_seen: list = []

        for op in operations:
            if op[0] == "run":
                _, month, crash_after = op
                issued = []

                def issue(self, *args, **kwargs):
                    if crash_after and len(issued) >= crash_after:
                        raise Crash()
                    original_issue(self, *args, **kwargs)
                    issued.append(1)

                BillingRepository.issue_invoice = issue
                try:
                    bill(services, month)
                except Crash:
                    pass
                finally:
                    BillingRepository.issue_invoice = original_issue
            elif op[0] == "throttle":
                _, month, nth = op
                original_call = Connection._make_api_call
                seen = []

                def call(self, operation_name, operation_kwargs):
                    seen.append(operation_name)
                    if len(seen) == nth:
                        raise throttled(operation_name)
                    return original_call(self, operation_name, operation_kwargs)

                Connection._make_api_call = call
                try:
                    bill(services, month)
                except Exception:  # noqa: BLE001 - only the refusal injected may stop it
                    if len(seen) < nth:
                        raise
                finally:
                    Connection._make_api_call = original_call
            elif op[0] == "pay":
                services.billing.record_payment(op[1], {"amount_cents": op[2],
                                                        "method": "cheque"},
                                                f"test-key-{len(numbers_seen):04d}",
                                                services.clock.now(), "test")
                numbers_seen.append(op)
            else:
                invoices = repository.invoices_of(op[1])
                open_ones = [i for i in invoices if i.credit_note is None]
                if open_ones:
                    target = open_ones[op[2] % len(open_ones)]
                    services.billing.credit_note(op[1], target.number, {},
                                                 services.clock.now(), "test")

        numbers = []
        for family in ("1001", "1002"):
            lines = repository.ledger(family)
            statement = services.billing.statement(family, None, date(2027, 2, 1))
            assert statement["balance_cents"] == sum(l.debit_cents - l.credit_cents
                                                     for l in lines)
            # The running balance of the newest line is the balance.
            assert statement["lines"][0]["balance_cents"] == statement["balance_cents"]
            invoices = repository.invoices_of(family)
            # A month is billed once: a credited invoice may be replaced by a corrected
            # one, but no two invoices of a month stand together.
            months = [i.month for i in invoices if i.credit_note is None]
            assert len(months) == len(set(months)), "a family billed twice for a month"
            for month in {i.month for i in invoices}:
                of_month = sorted((i for i in invoices if i.month == month),
                                  key=lambda i: i.number)
                assert all(i.credit_note for i in of_month[:-1]), \
                    "an invoice issued while the month's earlier one still stood"
            debits = [l for l in lines if l.type == "invoice"]
            assert sorted(l.invoice for l in debits) == sorted(i.number for i in invoices)
            numbers += [int(i.number.split("-")[1]) for i in invoices]
        assert sorted(numbers) == list(range(1, len(numbers) + 1)), "gap in the numbering"
        wiring.reset()
