"""A model of a commune's money, driven at random (Hypothesis stateful testing).

Random sequences of bookings, closures, attendance (through the rules and behind their
back), drafts and confirmations (some cut short), staff payments (repeated, and sent in
parallel with one key), PayFip attempts whose notifications and returns come repeated,
late or never, credit notes and reconciliations. After every step:

- each family's balance is the sum of its ledger lines;
- each use (child, day, service) is billed at most once, and only on a service day;
- each PayFip idOp is credited at most once;
- no online payment asks for more than what remains of its invoice;
- invoice numbers have no gap and no duplicate within a year;
- no family has two standing invoices for one month;
- confirming or drafting a confirmed month again writes no money.

``make test`` runs a bounded number of examples; ``make test-money`` runs many more
(``MONEY_EXAMPLES``, ``MONEY_STEPS``).
"""
from __future__ import annotations

import os
import threading
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, event, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from moto import mock_aws

from chalicelib import wiring
from chalicelib.domain.accounts import Child
from chalicelib.domain.errors import DomainError
from chalicelib.payfip.client import PayFipError, PaymentDetail
from chalicelib.domain.attendance import AttendanceRecord
from chalicelib.storage.billing import BillingRepository
from chalicelib.storage.models import CounterModel, InvoiceModel, LedgerModel, MarkModel
from tests import moto_baseline

PARIS = ZoneInfo("Europe/Paris")
FAMILIES = ("1001", "1002")
CHILDREN = {"1001": "1001-1", "1002": "1002-1"}
MONTHS = ("2026-12", "2027-01")
# School days of the demo commune (Mon, Tue, Thu, Fri; zone A) in both months.
SCHOOL_DAYS = [date(2026, 12, d) for d in (7, 8, 10, 11, 14, 15, 17, 18)] + \
    [date(2027, 1, d) for d in (4, 5, 7, 8, 11, 12, 14, 15)]
# Days without service: a Sunday, a Wednesday, Christmas, a day of the Christmas holidays.
NO_SERVICE_DAYS = [date(2026, 12, 13), date(2026, 12, 9), date(2026, 12, 25),
                   date(2026, 12, 22), date(2027, 1, 1)]
SERVICES = ("meal", "care_evening")


class Crash(Exception):
    """A Lambda cut short between two families."""


class FakePayFip:
    """PayFip in memory: what each idOp was asked, and what became of it."""

    def __init__(self) -> None:
        self.payments: dict[str, dict] = {}
        self.lock = threading.Lock()

    def create_payment(self, request) -> str:
        with self.lock:
            idop = f"IDOP{len(self.payments) + 1:06d}"
            self.payments[idop] = {"amount": request.montant_cents, "result": None,
                                   "refdet": request.refdet, "exer": request.exer}
            return idop

    def payment_url(self, idop: str) -> str:
        return f"https://payfip.example/tpa/paiementws.web?idop={idop}"

    def payment_detail(self, idop: str) -> PaymentDetail:
        payment = self.payments.get(idop)
        if payment is None:
            raise PayFipError("P1")
        if payment["result"] is None:
            raise PayFipError("P5")
        return PaymentDetail(idop, payment["result"], payment["amount"], f"NA{idop}",
                             date(2027, 2, 1), "1200", payment["refdet"], payment["exer"])


def _examples() -> int:
    return int(os.environ.get("MONEY_EXAMPLES", "8"))


def _steps() -> int:
    return int(os.environ.get("MONEY_STEPS", "25"))


def snapshot() -> dict:
    """Everything money is made of, as stored."""
    return {
        "invoices": sorted((i.family, i.number, i.credit_note) for i in InvoiceModel.scan()),
        "ledger": sorted((e.family, e.entry_key) for e in LedgerModel.scan()),
        "counters": sorted((c.name, int(c.value)) for c in CounterModel.scan()
                           if c.name.startswith(("invoice-", "credit-"))),
        "marks": sorted((m.key, m.ref) for m in MarkModel.scan()
                        if not m.key.startswith("payfip-live#")),
    }


class MoneyMachine(RuleBasedStateMachine):
    """One commune, two families, a winter of billing."""

    def __init__(self) -> None:
        super().__init__()
        self.mock = mock_aws()
        self.mock.start()
        wiring.reset()
        self.services = wiring.container()
        moto_baseline.prepare(self.services)
        self.services.clock.set(datetime(2026, 11, 23, 10, 0, tzinfo=PARIS))
        second = self.services.families.create_family(
            {"name": "DEUX", "emails": ["deux@example.org"]}, self.services.clock.now())
        self.services.accounts.add_child(second.number, Child("", "LOU", "DEUX"))
        self.payfip = FakePayFip()
        self.services.payments._client_factory = lambda: self.payfip
        self.services.payments._sleep = lambda seconds: None
        self.repository = BillingRepository()
        self.idops: list[str] = []
        self.keys: dict[tuple[str, str], dict] = {}
        # Billed days found on a service day when their invoice was issued.
        self.checked_invoices: set[str] = set()

    def teardown(self) -> None:
        self.mock.stop()
        wiring.reset()

    # -- the world ----------------------------------------------------------------------
    def now(self) -> datetime:
        return self.services.clock.now()

    def family(self, number: str):
        return self.services.accounts.get_family(number)

    @initialize(booked=st.fixed_dictionaries({
        number: st.lists(st.tuples(st.sampled_from(SCHOOL_DAYS), st.sampled_from(SERVICES)),
                         min_size=1, max_size=10)
        for number in FAMILIES}), bill_december=st.sampled_from([True, True, True, False]))
    def book(self, booked, bill_december):
        for number, uses in booked.items():
            self.services.bookings.save(self.family(number), CHILDREN[number], {
                "changes": [{"date": d.isoformat(), "service": s, "booked": True}
                            for d, s in sorted(set(uses))]}, self.now())
        # Both months are over: billing may start, December at once or later.
        self.services.clock.set(datetime(2027, 2, 1, 8, 0, tzinfo=PARIS))
        if bill_december:
            self.bill("2026-12", draft_first=True, crash_after=0)

    @initialize(number=st.sampled_from(FAMILIES), then=st.sampled_from([None, "P", "R", "A"]),
                signal=st.sampled_from(["notification", "return", "reconcile", "lost"]))
    def a_parent_pays_early(self, number, then, signal):
        self.pay_online(number, 0, then, signal)

    @rule(minutes=st.integers(min_value=1, max_value=30))
    def time_passes(self, minutes):
        self.services.clock.set(self.now() + timedelta(minutes=minutes))

    @rule(day=st.sampled_from(SCHOOL_DAYS))
    def close_a_day(self, day):
        self.services.closures.add_closure({"start": day.isoformat(), "end": day.isoformat(),
                                            "label": "Grève"}, self.now())

    @rule(number=st.sampled_from(FAMILIES), day=st.sampled_from(SCHOOL_DAYS + NO_SERVICE_DAYS),
          service=st.sampled_from(SERVICES), present=st.booleans(), raw=st.booleans())
    def record_attendance(self, number, day, service, present, raw):
        status = "present" if present else "absent"
        if raw:
            # Written behind the rules' back (an old version, a script, a restore).
            self.services.attendance_repository.put(AttendanceRecord(
                CHILDREN[number], number, day, service, status, None, None, False, "", 0,
                "script", self.now()))
            return
        # Through the rules: the agent's clock is the day itself.
        moment = self.now()
        self.services.clock.set(datetime.combine(day, datetime.min.time(), PARIS)
                                + timedelta(hours=18))
        try:
            self.services.attendance.record_attendance(
                {"date": day.isoformat(), "service": service, "child_id": CHILDREN[number],
                 "status": status}, "agent", self.now())
        except DomainError as refused:
            assert day not in SCHOOL_DAYS or refused.code == "not_a_service_day", refused
        finally:
            self.services.clock.set(moment)

    # -- billing -------------------------------------------------------------------------
    def _status(self, month: str):
        header = self.services.invoicing._drafts.header(month)
        return header.status if header else None

    @rule(month=st.sampled_from(MONTHS))
    def draft(self, month):
        confirmed = self._status(month) == "confirmed"
        before = snapshot()
        try:
            self.services.invoicing.build_draft(month, "staff", "test", self.services.clock.now)
        except DomainError:
            return
        if confirmed:
            assert snapshot() == before, "drafting a confirmed month wrote money"

    @rule(month=st.sampled_from(MONTHS), draft_first=st.booleans(),
          crash_after=st.integers(min_value=0, max_value=2))
    def confirm(self, month, draft_first, crash_after):
        self.bill(month, draft_first, crash_after)

    def bill(self, month, draft_first, crash_after):
        if draft_first:
            self.draft(month)
        confirmed = self._status(month) == "confirmed"
        before = snapshot()
        original = BillingRepository.issue_invoice
        issued: list[int] = []

        def issue(repository, *args, **kwargs):
            if crash_after and len(issued) >= crash_after:
                raise Crash()
            original(repository, *args, **kwargs)
            issued.append(1)

        BillingRepository.issue_invoice = issue
        try:
            result = self.services.invoicing.confirm_month(month, "staff", "test",
                                                         self.services.clock.now)
            event(f"confirmation: {min(result['invoiced'], 2)} invoice(s), "
                  f"{'repaired' if result['repaired'] else 'clean'}")
        except Crash:
            event("confirmation cut short")
        except DomainError as refused:
            event(f"confirmation refused: {refused.code}")
        finally:
            BillingRepository.issue_invoice = original
        if confirmed:
            assert snapshot() == before, "confirming a confirmed month wrote money"
        # What was just issued billed service days only, by the calendar of this moment.
        calendar = self.services.commune.get().calendar()
        for number in FAMILIES:
            for invoice in self.repository.invoices_of(number):
                if invoice.number in self.checked_invoices:
                    continue
                self.checked_invoices.add(invoice.number)
                for line in invoice.lines:
                    for day in line.get("days", []):
                        assert calendar.is_school_day(date.fromisoformat(day)), (invoice, day)

    def _open_invoices(self, number):
        return [i for i in self.repository.invoices_of(number) if i.credit_note is None]

    @rule(number=st.sampled_from(FAMILIES), pick=st.integers(min_value=0, max_value=3))
    def credit_note(self, number, pick):
        open_ones = self._open_invoices(number)
        if open_ones:
            target = open_ones[pick % len(open_ones)]
            self.services.billing.credit_note(number, target.number, {}, self.now(), "test")

    # -- staff payments --------------------------------------------------------------------
    @rule(number=st.sampled_from(FAMILIES), amount=st.integers(min_value=1, max_value=800),
          key=st.sampled_from([f"form-key-{n:02d}" for n in range(6)]),
          aimed=st.booleans(), copies=st.integers(min_value=1, max_value=3))
    def staff_payment(self, number, amount, key, aimed, copies):
        invoices = self._open_invoices(number)
        data = {"amount_cents": amount, "method": "cheque"}
        if aimed and invoices:
            data["invoice"] = invoices[0].number
        results: list = []

        def send():
            try:
                results.append(self.services.billing.record_payment(
                    number, data, key, self.now(), "test"))
            except DomainError as refused:
                results.append(refused)

        lines_before = len(self.repository.ledger(number))
        threads = [threading.Thread(target=send) for _ in range(copies)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        recorded = sum(1 for r in results if isinstance(r, tuple) and r[1])
        event(f"staff payment x{copies}: {recorded} recorded")
        # A key belongs to one family's form: the same key elsewhere is another key.
        first = self.keys.get((number, key))
        if first is None:
            # One submission, sent once or several times at once: one line, one answer.
            assert recorded == 1, results
            assert len({str(r[0]) for r in results}) == 1, results
            self.keys[(number, key)] = data
        else:
            # A repeat of it records nothing (the first answer), another payment is refused.
            assert recorded == 0, results
        assert len(self.repository.ledger(number)) == lines_before + recorded

    # -- paying online -----------------------------------------------------------------------
    @rule(number=st.sampled_from(FAMILIES), pick=st.integers(min_value=0, max_value=3),
          then=st.sampled_from([None, "P", "P", "R", "A"]),
          signal=st.sampled_from(["notification", "return", "reconcile", "lost"]))
    def pay_online(self, number, pick, then, signal):
        invoices = self._open_invoices(number)
        if not invoices:
            event("pay online: no invoice")
            return
        invoice = invoices[pick % len(invoices)]
        _, _, states = self.services.billing.account(number)
        remaining = states[invoice.number].remaining_cents
        try:
            answer = self.services.payments.start(number, "parent@example.org",
                                                  invoice.number, self.now())
        except DomainError as refused:
            event(f"pay online refused: {refused.code}")
            return
        event(f"pay online: {'resumed' if answer['resumed'] else 'new attempt'}")
        idop = answer["redirect_url"].split("idop=")[1]
        asked = self.payfip.payments[idop]["amount"]
        if not answer["resumed"]:
            assert asked <= remaining, (asked, remaining)
            self.idops.append(idop)
        if then:
            # The parent finishes on PayFip's page at once.
            self.payfip_answers(self.idops.index(idop), then, signal, 1)

    @rule(pick=st.integers(min_value=0, max_value=20),
          result=st.sampled_from(["P", "P", "R", "A", None]),
          signal=st.sampled_from(["notification", "return", "reconcile", "lost"]),
          times=st.integers(min_value=1, max_value=2))
    def payfip_answers(self, pick, result, signal, times):
        """PayFip settles an attempt (or not yet); its signals come once, twice or never."""
        if not self.idops:
            return
        idop = self.idops[pick % len(self.idops)]
        if result and self.payfip.payments[idop]["result"] is None:
            self.payfip.payments[idop]["result"] = result
        event(f"PayFip says {self.payfip.payments[idop]['result']}, {signal}")
        payments = self.services.payments
        for _ in range(times):
            if signal == "notification":
                payments.notification(idop, self.now())
            elif signal == "return":
                attempt = payments._attempts.get(idop)
                payments.parent_return(attempt.family, idop, self.now())
            elif signal == "reconcile":
                payments.reconcile(self.now())

    # -- what must always hold ---------------------------------------------------------------
    @invariant()
    def the_books_balance(self):
        billed: set[tuple[str, str, str]] = set()
        numbers: dict[str, list[int]] = {}
        for number in FAMILIES:
            lines = self.repository.ledger(number)
            statement = self.services.billing.statement(number, None, self.now().date())
            assert statement["balance_cents"] == sum(l.debit_cents - l.credit_cents
                                                     for l in lines)
            credited = [l.reference for l in lines if l.method == "payfip"]
            assert len(credited) == len(set(credited)), "an idOp credited twice"
            invoices = self.repository.invoices_of(number)
            months = [i.month for i in invoices if i.credit_note is None]
            assert len(months) == len(set(months)), "a family billed twice for a month"
            for invoice in invoices:
                year, sequence = invoice.number.split("-")
                numbers.setdefault(year, []).append(int(sequence))
                if invoice.credit_note is not None:
                    continue
                for line in invoice.lines:
                    for day in line.get("days", []):
                        if line["kind"] == "late_fee":
                            continue
                        use = (line["child_id"], day, line["service"])
                        assert use not in billed, f"{use} billed twice"
                        billed.add(use)
                        assert date.fromisoformat(day) not in NO_SERVICE_DAYS, use
            debits = sorted(l.invoice for l in lines if l.type == "invoice")
            assert debits == sorted(i.number for i in invoices)
        for year, sequence in numbers.items():
            assert sorted(sequence) == list(range(1, len(sequence) + 1)), (year, sequence)


MoneyMachine.TestCase.settings = settings(
    max_examples=_examples(), stateful_step_count=_steps(), deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
test_the_money_of_a_commune_stays_right_whatever_happens = MoneyMachine.TestCase
