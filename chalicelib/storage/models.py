"""PynamoDB models: one table per aggregate, named from the stage's settings.

``ALL_MODELS`` is the single list that local set-up, tests and the deployment template
are built from. Importing this module reads no setting: each model's ``Meta.table`` is its
table without the stage's prefix, and ``bind(settings)``, called when the services are
built (chalicelib/wiring.py), sets ``Meta.table_name``, the region and the endpoint.
"""
from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    NumberSetAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.connection import Connection
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.settings import Settings


class _Meta:
    table: str  # the table's name without the stage's prefix; bind() sets table_name
    billing_mode = "PAY_PER_REQUEST"
    # Lambda runs one request at a time: a short timeout and few retries keep a
    # throttled table from eating API Gateway's 29 s.
    connect_timeout_seconds = 2
    read_timeout_seconds = 5
    max_retry_attempts = 3


class ChildMap(MapAttribute):
    id = UnicodeAttribute()
    first_name = UnicodeAttribute()
    last_name = UnicodeAttribute()
    school = UnicodeAttribute(default="")
    class_name = UnicodeAttribute(default="")
    meal_type = UnicodeAttribute(default="standard")
    allergies = UnicodeAttribute(default="")
    # PynamoDB types a list of UnicodeAttribute as list[UnicodeAttribute]; it holds str.
    pickup_people: ListAttribute[str] = ListAttribute(of=UnicodeAttribute, default=list)  # type: ignore[arg-type]
    archived = BooleanAttribute(default=False)
    birth_date = UnicodeAttribute(null=True)  # YYYY-MM-DD, optional


class PendingEmailMap(MapAttribute):
    """A second address the family asked for, until its owner follows the link sent to it."""
    email = UnicodeAttribute()
    token_hash = UnicodeAttribute()
    expires_at = UTCDateTimeAttribute()


class FamilyKindIndex(GlobalSecondaryIndex):
    """Every family sorted by its search key: lists and prefix searches without a Scan
    (a commune has hundreds or thousands of families: one partition holds them)."""
    class Meta:
        index_name = "by_kind"
        projection = AllProjection()
    kind = UnicodeAttribute(hash_key=True)
    search_key = UnicodeAttribute(range_key=True)


class FamilyDepartureIndex(GlobalSecondaryIndex):
    """The families waiting for their purge, by the day their last child left: the nightly
    purge reads those due without a Scan. Sparse: only a family that left and is not
    anonymised yet carries ``awaiting``, so the index holds those alone."""
    class Meta:
        index_name = "by_departure"
        projection = AllProjection()
    awaiting = UnicodeAttribute(hash_key=True)
    left_on = UnicodeAttribute(range_key=True)


class CredentialsMixin:
    password_hash = UnicodeAttribute()
    must_change_password = BooleanAttribute(default=False)
    temporary_expires_at = UTCDateTimeAttribute(null=True)


class FamilyModel(CredentialsMixin, Model):
    class Meta(_Meta):
        table = "families"
    number = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    # PynamoDB types a list of UnicodeAttribute as list[UnicodeAttribute]; it holds str.
    emails: ListAttribute[str] = ListAttribute(of=UnicodeAttribute, default=list)  # type: ignore[arg-type]
    # PynamoDB types a list of UnicodeAttribute as list[UnicodeAttribute]; it holds str.
    phones: ListAttribute[str] = ListAttribute(of=UnicodeAttribute, default=list)  # type: ignore[arg-type]
    address = UnicodeAttribute(default="")
    children = ListAttribute(of=ChildMap, default=list)
    next_child = NumberAttribute(default=1)
    archived = BooleanAttribute(default=False)
    income_qf = NumberAttribute(null=True)
    income_effective_from = UnicodeAttribute(null=True)
    pending_email = PendingEmailMap(null=True)
    # Absent on families created before these choices: reminders on, receipts off.
    reminders_off = BooleanAttribute(null=True)
    receipts = BooleanAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    kind = UnicodeAttribute(default="family")
    search_key = UnicodeAttribute()
    by_kind = FamilyKindIndex()
    # The Paris day the last child left (YYYY-MM-DD), and "purge" in ``awaiting`` until
    # the family is anonymised (``anonymised_at``): see domain/retention.py.
    left_on = UnicodeAttribute(null=True)
    awaiting = UnicodeAttribute(null=True)
    anonymised_at = UTCDateTimeAttribute(null=True)
    by_departure = FamilyDepartureIndex()
    version = VersionAttribute()


class FamilyTermModel(Model):
    """The families' search terms (see ``domain.search``): one item per term and family,
    kept in step with every family write, so that a prefix of a child's first name or of
    an address finds its family with one Query. One partition: a commune's few thousand
    families give a few tens of thousands of small items."""
    class Meta(_Meta):
        table = "family_terms"
    scope = UnicodeAttribute(hash_key=True)          # "family"
    term = UnicodeAttribute(range_key=True)          # folded term # family number
    number = UnicodeAttribute()


class StaffKindIndex(GlobalSecondaryIndex):
    """Every staff member: the accounts page lists them without a Scan."""
    class Meta:
        index_name = "by_kind"
        projection = AllProjection()
    kind = UnicodeAttribute(hash_key=True)
    search_key = UnicodeAttribute(range_key=True)


class StaffModel(CredentialsMixin, Model):
    class Meta(_Meta):
        table = "staff"
    email = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    role = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    kind = UnicodeAttribute(default="staff")
    search_key = UnicodeAttribute()
    by_kind = StaffKindIndex()
    version = VersionAttribute()


class LoginModel(Model):
    """E-mail → account: makes e-mails unique across families and staff."""
    class Meta(_Meta):
        table = "logins"
    login = UnicodeAttribute(hash_key=True)
    kind = UnicodeAttribute()
    ref = UnicodeAttribute()


class PrincipalIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_principal"
        projection = AllProjection()
    principal = UnicodeAttribute(hash_key=True)


class SessionModel(Model):
    class Meta(_Meta):
        table = "sessions"
    token_hash = UnicodeAttribute(hash_key=True)
    principal = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    last_seen_at = UTCDateTimeAttribute()
    expires = TTLAttribute()
    by_principal = PrincipalIndex()


class ResetTokenModel(Model):
    class Meta(_Meta):
        table = "reset_tokens"
    token_hash = UnicodeAttribute(hash_key=True)
    principal = UnicodeAttribute()
    expires_at = UTCDateTimeAttribute()
    expires = TTLAttribute()


class LoginAttemptModel(Model):
    class Meta(_Meta):
        table = "login_attempts"
    key = UnicodeAttribute(hash_key=True)
    failures = NumberAttribute(default=0)
    last_failure_at = UTCDateTimeAttribute(null=True)
    expires = TTLAttribute(null=True)


class CounterModel(Model):
    class Meta(_Meta):
        table = "counters"
    name = UnicodeAttribute(hash_key=True)
    value = NumberAttribute(default=0)


class CommuneModel(Model):
    """The commune's settings and closures: one item, read by every calendar."""
    class Meta(_Meta):
        table = "commune"
    id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    zone = UnicodeAttribute()
    school_days = NumberSetAttribute()
    services = JSONAttribute()
    closures = JSONAttribute(default=list)
    next_closure = NumberAttribute(default=1)
    locked_through = JSONAttribute(default=dict)  # service → last frozen day (ISO)
    billing = JSONAttribute(default=dict)         # {"auto_confirm": bool}
    reminders = JSONAttribute(null=True)          # {"enabled": bool, "hours_before": int}
    sickness = JSONAttribute(null=True)           # {"enabled", "cutoff", "billing", …}
    direct_debit = JSONAttribute(null=True)       # {"enabled", "creditor_id", "debit_day", …}
    legal = JSONAttribute(null=True)              # {"accessibility": {…}, "privacy": {…}}
    version = VersionAttribute()


class DayIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_day"
        projection = AllProjection()
    day = UnicodeAttribute(hash_key=True)
    child_id = UnicodeAttribute(range_key=True)


class FamilyDayIndex(GlobalSecondaryIndex):
    """A family's bookings, all children at once, by day: the home page's one query."""
    class Meta:
        index_name = "by_family"
        projection = AllProjection()
    family = UnicodeAttribute(hash_key=True)
    day = UnicodeAttribute(range_key=True)


class ReleasedMap(MapAttribute):
    service = UnicodeAttribute()
    reason = UnicodeAttribute()
    at = UTCDateTimeAttribute()


class BookingModel(Model):
    """One child's day: which services are booked. Versioned so no update is lost."""
    class Meta(_Meta):
        table = "bookings"
    child_id = UnicodeAttribute(hash_key=True)
    day = UnicodeAttribute(range_key=True)
    by_day = DayIndex()
    by_family = FamilyDayIndex()
    family = UnicodeAttribute()
    services = UnicodeSetAttribute(null=True)
    # Services cancelled by the commune (a closure, a day or service withdrawn), kept
    # for the record.
    released = ListAttribute(of=ReleasedMap, null=True)
    # Services of a day with a number of places that went on its waiting list: service →
    # the ticket taken in that (service, day)'s queue (the lower, the earlier). Never in
    # ``services``: head counts, lists and billing see confirmed bookings only.
    waiting = JSONAttribute(null=True)
    updated_at = UTCDateTimeAttribute()
    version = VersionAttribute()


class PlacesModel(Model):
    """One (service, day) of a service with a number of places: how many bookings are
    confirmed and waiting, and the waiting list's ticket sequence. Written in the same
    transaction as the bookings it counts, under ``confirmed < places``."""
    class Meta(_Meta):
        table = "places"
    service = UnicodeAttribute(hash_key=True)
    day = UnicodeAttribute(range_key=True)          # YYYY-MM-DD
    confirmed = NumberAttribute(default=0)
    waiting = NumberAttribute(default=0)
    tickets = NumberAttribute(default=0)


class HeadcountModel(Model):
    """Counts frozen by the weekly lock for the kitchen: one item per day and service."""
    class Meta(_Meta):
        table = "headcounts"
    month = UnicodeAttribute(hash_key=True)         # YYYY-MM
    slot = UnicodeAttribute(range_key=True)         # YYYY-MM-DD#service
    total = NumberAttribute()
    by_meal_type = JSONAttribute()
    locked_at = UTCDateTimeAttribute()
    run_id = UnicodeAttribute()


class JobRunModel(Model):
    """One run of a scheduled job: start, end, what it did, outcome."""
    class Meta(_Meta):
        table = "job_runs"
    job = UnicodeAttribute(hash_key=True)
    run_key = UnicodeAttribute(range_key=True)      # started_at ISO (UTC) # id
    id = UnicodeAttribute()
    trigger = UnicodeAttribute()
    started_at = UTCDateTimeAttribute()
    ended_at = UTCDateTimeAttribute(null=True)
    outcome = UnicodeAttribute()
    summary = UnicodeAttribute(default="")
    details = JSONAttribute(default=dict)
    error = UnicodeAttribute(null=True)
    expires = TTLAttribute(null=True)
    later = NumberAttribute(null=True)              # done by its background batches (ADD)


class ExportJobModel(Model):
    """A CSV file asked for by staff and written to S3 in the background (short-lived)."""
    class Meta(_Meta):
        table = "export_jobs"
    id = UnicodeAttribute(hash_key=True)            # from the staff member and the request's key
    export = UnicodeAttribute()
    start = UnicodeAttribute(null=True)             # YYYY-MM-DD (none for the families' list)
    end = UnicodeAttribute(null=True)
    requested_by = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    fingerprint = UnicodeAttribute()
    state = UnicodeAttribute()                      # queued | running | done | failed
    rows = NumberAttribute(default=0)
    pages_done = NumberAttribute(default=0)
    pages_total = NumberAttribute(null=True)
    file_name = UnicodeAttribute(default="")
    key = UnicodeAttribute(default="")
    size = NumberAttribute(default=0)
    error = UnicodeAttribute(null=True)
    attempts = NumberAttribute(default=0)
    lease_until = UTCDateTimeAttribute(null=True)
    run_token = UnicodeAttribute(default="")
    ended_at = UTCDateTimeAttribute(null=True)
    expires = TTLAttribute()


class SlotIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_slot"
        projection = AllProjection()
    slot = UnicodeAttribute(hash_key=True)
    child_id = UnicodeAttribute(range_key=True)


class AttendanceModel(Model):
    """What staff recorded for one child, day and service."""
    class Meta(_Meta):
        table = "attendance"
    child_id = UnicodeAttribute(hash_key=True)
    slot = UnicodeAttribute(range_key=True)         # YYYY-MM-DD#service
    family = UnicodeAttribute()
    status = UnicodeAttribute()                     # present | absent
    arrival = UnicodeAttribute(null=True)
    departure = UnicodeAttribute(null=True)
    justified = BooleanAttribute(default=False)
    reason = UnicodeAttribute(default="")
    late_minutes = NumberAttribute(default=0)
    recorded_by = UnicodeAttribute()
    recorded_at = UTCDateTimeAttribute()
    by_slot = SlotIndex()


class AuditModel(Model):
    """Who changed what, when, with the state before and after."""
    class Meta(_Meta):
        table = "audit"
    month = UnicodeAttribute(hash_key=True)         # YYYY-MM (Europe/Paris)
    entry_key = UnicodeAttribute(range_key=True)    # at ISO (UTC) # random
    at = UTCDateTimeAttribute()
    who = UnicodeAttribute()
    action = UnicodeAttribute()
    target = UnicodeAttribute(default="")
    before = JSONAttribute(null=True)
    after = JSONAttribute(null=True)
    # DynamoDB deletes the entry a year on (domain/legal.py AUDIT_LOG_DAYS): entries
    # written before this attribute existed have none and are dated by the data upgrade.
    expires = TTLAttribute(null=True)


class MenuModel(Model):
    """One day's menu."""
    class Meta(_Meta):
        table = "menus"
    month = UnicodeAttribute(hash_key=True)         # YYYY-MM
    day = UnicodeAttribute(range_key=True)          # YYYY-MM-DD
    vegetarian = BooleanAttribute(default=False)
    dishes = JSONAttribute(default=list)


class TariffModel(Model):
    """Dated tariffs: one item per service and date of effect (one partition)."""
    class Meta(_Meta):
        table = "tariffs"
    scope = UnicodeAttribute(hash_key=True)          # "tariffs"
    key = UnicodeAttribute(range_key=True)           # service#YYYY-MM-DD
    data = JSONAttribute()


class MonthIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_month"
        projection = AllProjection()
    month = UnicodeAttribute(hash_key=True)
    number = UnicodeAttribute(range_key=True)


class InvoiceNumberIndex(GlobalSecondaryIndex):
    """An invoice by its number alone: the titre the Treasury reports a payment for."""
    class Meta:
        index_name = "by_number"
        projection = AllProjection()
    number = UnicodeAttribute(hash_key=True)


class InvoiceModel(Model):
    """An invoice, never edited but for its cancellation by a credit note."""
    class Meta(_Meta):
        table = "invoices"
    family = UnicodeAttribute(hash_key=True)
    number = UnicodeAttribute(range_key=True)        # YYYY-NNNNNN, unbroken per year
    month = UnicodeAttribute()                       # the billed month, YYYY-MM
    issued_on = UnicodeAttribute()
    lines = JSONAttribute()
    total_cents = NumberAttribute()
    credit_note = UnicodeAttribute(null=True)
    collection = UnicodeAttribute(null=True)         # "titres"; absent: "regie"
    by_month = MonthIndex()
    by_number = InvoiceNumberIndex()


class LedgerMonthIndex(GlobalSecondaryIndex):
    """The lines of a month across families: the accountant's export."""
    class Meta:
        index_name = "by_month"
        projection = AllProjection()
    month = UnicodeAttribute(hash_key=True)
    entry_key = UnicodeAttribute(range_key=True)


class LedgerModel(Model):
    """The family's account: debits and credits, only ever appended."""
    class Meta(_Meta):
        table = "ledger"
    family = UnicodeAttribute(hash_key=True)
    entry_key = UnicodeAttribute(range_key=True)     # YYYY-MM-DD#recorded_at#id
    month = UnicodeAttribute()                       # YYYY-MM of the line's date
    by_month = LedgerMonthIndex()
    type = UnicodeAttribute()        # opening|invoice|payment|credit_note|adjustment|refund
    reference = UnicodeAttribute(default="")
    invoice = UnicodeAttribute(null=True)
    debit_cents = NumberAttribute(default=0)
    credit_cents = NumberAttribute(default=0)
    method = UnicodeAttribute(null=True)
    recorded_by = UnicodeAttribute(default="")


class MarkModel(Model):
    """Markers that make writes happen once: "invoice#<family>#<month>", "payfip#<idop>",
    "payment#<family>#<idempotency key>" (with the answer given), and the live online
    payment of an invoice "payfip-live#<invoice>" (until when it lives)."""
    class Meta(_Meta):
        table = "marks"
    key = UnicodeAttribute(hash_key=True)
    ref = UnicodeAttribute(default="")
    data = JSONAttribute(null=True)
    until = UTCDateTimeAttribute(null=True)


class StatusIndex(GlobalSecondaryIndex):
    """Attempts still pending: what the reconciliation job settles."""
    class Meta:
        index_name = "by_status"
        projection = AllProjection()
    status = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class PaymentAttemptModel(Model):
    """One online payment attempt (one PayFip idOp)."""
    class Meta(_Meta):
        table = "payments"
    idop = UnicodeAttribute(hash_key=True)
    family = UnicodeAttribute()
    invoice = UnicodeAttribute()
    amount_cents = NumberAttribute()
    refdet = UnicodeAttribute()
    status = UnicodeAttribute()                      # pending | paid | failed | abandoned
    created_at = UTCDateTimeAttribute()
    created_key = UnicodeAttribute()                 # created_at ISO (UTC)
    settled_at = UTCDateTimeAttribute(null=True)
    result = UnicodeAttribute(null=True)             # PayFip resultrans
    by_status = StatusIndex()


class DraftModel(Model):
    """A month's draft invoices ("pré-facturation"), one item per family, and the month's
    header (family "#": status, revision, when built and confirmed)."""
    class Meta(_Meta):
        table = "drafts"
    month = UnicodeAttribute(hash_key=True)          # YYYY-MM
    family = UnicodeAttribute(range_key=True)        # family number, or "#" (header)
    name = UnicodeAttribute(null=True)
    lines = JSONAttribute(null=True)
    total_cents = NumberAttribute(null=True)
    anomalies = JSONAttribute(null=True)
    invoice = UnicodeAttribute(null=True)            # the invoice standing for the month
    ignored = NumberAttribute(null=True)
    status = UnicodeAttribute(null=True)             # header: building | draft | confirmed
    revision = NumberAttribute(null=True)            # header: one more at each build
    built_at = UTCDateTimeAttribute(null=True)
    built_by = UnicodeAttribute(null=True)
    confirmed_at = UTCDateTimeAttribute(null=True)
    confirmed_by = UnicodeAttribute(null=True)
    summary = JSONAttribute(null=True)
    delivered = NumberAttribute(null=True)           # header: invoices sent to families


class OverpaymentStatusIndex(GlobalSecondaryIndex):
    """Overpayments still to refund: the staff list."""
    class Meta:
        index_name = "by_status"
        projection = AllProjection()
    status = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class OverpaymentModel(Model):
    """Money received beyond what its invoice still owed ("trop-perçu"), to refund or keep."""
    class Meta(_Meta):
        table = "overpayments"
    id = UnicodeAttribute(hash_key=True)             # the payment's once-only mark
    family = UnicodeAttribute()
    invoice = UnicodeAttribute(null=True)
    amount_cents = NumberAttribute()
    reference = UnicodeAttribute(default="")
    received_on = UnicodeAttribute()                 # YYYY-MM-DD
    status = UnicodeAttribute()                      # open | refunded | kept
    created_at = UTCDateTimeAttribute()
    created_key = UnicodeAttribute()                 # created_at ISO (UTC) # id
    settled_at = UTCDateTimeAttribute(null=True)
    settled_by = UnicodeAttribute(null=True)
    by_status = OverpaymentStatusIndex()


_bound: tuple[str, str, str | None] | None = None  # (table prefix, region, endpoint)
_connection: Connection | None = None


def connection() -> Connection:
    """The connection transactions run on (models hold their own)."""
    if _connection is None:
        raise RuntimeError("models.bind(settings) has not run: build the services first")
    return _connection


class BordereauMonthIndex(GlobalSecondaryIndex):
    """A month's bordereaux, for the console."""
    class Meta:
        index_name = "by_month"
        projection = AllProjection()
    month = UnicodeAttribute(hash_key=True)
    roll = UnicodeAttribute(range_key=True)


class BordereauModel(Model):
    """One attempt of one bordereau of titres de recette (rôle ORMC) sent to the Treasury.
    Its file is in the files bucket under ``file_key``."""
    class Meta(_Meta):
        table = "bordereaux"
    exercice = UnicodeAttribute(hash_key=True)       # budget year, YYYY
    roll = UnicodeAttribute(range_key=True)          # <number on 7 digits>#<attempt on 3>
    month = UnicodeAttribute()                       # the billed month, YYYY-MM
    state = UnicodeAttribute()                       # a_transmettre | accepte | rejete | remplace
    invoices: ListAttribute[str] = ListAttribute(of=UnicodeAttribute)  # type: ignore[arg-type]
    emitted_on = UnicodeAttribute()                  # YYYY-MM-DD, written in the file
    file_name = UnicodeAttribute()
    file_key = UnicodeAttribute()
    sha256 = UnicodeAttribute()
    total_cents = NumberAttribute()
    created_at = UTCDateTimeAttribute()
    created_by = UnicodeAttribute()
    reasons = JSONAttribute(null=True)               # the Treasury's, when rejected
    acknowledged_at = UTCDateTimeAttribute(null=True)
    acknowledged_by = UnicodeAttribute(null=True)
    replaced_by = UnicodeAttribute(null=True)
    by_month = BordereauMonthIndex()


class TypicalWeekModel(Model):
    """A child's typical week ("semaine type"): per school weekday, its services."""
    class Meta(_Meta):
        table = "typical_weeks"
    family = UnicodeAttribute(hash_key=True)         # one Query lists the family's weeks
    child_id = UnicodeAttribute(range_key=True)
    days = JSONAttribute()                           # {"1": ["meal", …], …}
    updated_at = UTCDateTimeAttribute()


class SickMonthIndex(GlobalSecondaryIndex):
    """The month's sick days (staff list, head counts, attendance, invoicing)."""
    class Meta:
        index_name = "by_month"
        projection = AllProjection()
    month = UnicodeAttribute(hash_key=True)          # YYYY-MM
    slot = UnicodeAttribute(range_key=True)


class SickReportModel(Model):
    """A child's sick day reported by the family, and its medical certificate if any."""
    class Meta(_Meta):
        table = "sick_reports"
    family = UnicodeAttribute(hash_key=True)         # one Query lists a family's reports
    slot = UnicodeAttribute(range_key=True)          # YYYY-MM-DD#child_id
    month = UnicodeAttribute()
    child_id = UnicodeAttribute()
    services = UnicodeSetAttribute()
    reported_at = UTCDateTimeAttribute()
    reported_by = UnicodeAttribute()
    certificate = JSONAttribute(null=True)
    by_month = SickMonthIndex()


class MandateStatusIndex(GlobalSecondaryIndex):
    """The mandates of one status: the month's confirmation reads the active ones at once."""
    class Meta:
        index_name = "by_status"
        projection = AllProjection()
    status = UnicodeAttribute(hash_key=True)
    family = UnicodeAttribute(range_key=True)


class MandateModel(Model):
    """A family's SEPA direct-debit mandate; a revoked one stays, for the record."""
    class Meta(_Meta):
        table = "mandates"
    family = UnicodeAttribute(hash_key=True)         # one Query lists a family's mandates
    rum = UnicodeAttribute(range_key=True)           # RUM-<family>-<rank on 3>: oldest first
    holder = UnicodeAttribute()
    iban = UnicodeAttribute()
    bic = UnicodeAttribute()
    status = UnicodeAttribute()                      # active | suspended | revoked
    signed_on = UnicodeAttribute()                   # YYYY-MM-DD
    signed_at = UTCDateTimeAttribute(null=True)      # the online signature's instant
    channel = UnicodeAttribute()                     # online | paper
    text_version = UnicodeAttribute()
    signed_by = UnicodeAttribute()
    collected = BooleanAttribute(default=False)
    amended_from = JSONAttribute(null=True)          # {"iban", "bic"} until a file carries it
    rejects = NumberAttribute(default=0)
    status_reason = UnicodeAttribute(default="")
    updated_at = UTCDateTimeAttribute(null=True)
    version = VersionAttribute()
    by_status = MandateStatusIndex()


class DebitFamilyIndex(GlobalSecondaryIndex):
    """A family's debits: its invoices page says « prélèvement le JJ/MM »."""
    class Meta:
        index_name = "by_family"
        projection = AllProjection()
    family = UnicodeAttribute(hash_key=True)
    invoice = UnicodeAttribute(range_key=True)


class DebitModel(Model):
    """One invoice collected by direct debit, scheduled when its month was confirmed."""
    class Meta(_Meta):
        table = "debits"
    month = UnicodeAttribute(hash_key=True)          # the billed month, YYYY-MM
    invoice = UnicodeAttribute(range_key=True)       # invoice (régie) or titre number
    family = UnicodeAttribute()
    amount_cents = NumberAttribute()
    collection_date = UnicodeAttribute()             # YYYY-MM-DD
    rum = UnicodeAttribute()
    signed_on = UnicodeAttribute()
    holder = UnicodeAttribute()
    iban = UnicodeAttribute()
    bic = UnicodeAttribute()
    sequence = UnicodeAttribute()                    # FRST | RCUR
    amended_from = JSONAttribute(null=True)
    status = UnicodeAttribute()                      # prevu | transmis | rejete | annule
    notified_at = UTCDateTimeAttribute(null=True)
    reject = JSONAttribute(null=True)                # {"code", "day", "by", "at"}
    file_id = UnicodeAttribute(null=True)            # the file or bordereau that carried it
    by_family = DebitFamilyIndex()


ALL_MODELS: tuple[type[Model], ...] = (
    FamilyModel, FamilyTermModel, StaffModel, LoginModel, SessionModel, ResetTokenModel,
    LoginAttemptModel, CounterModel, CommuneModel, BookingModel, PlacesModel, HeadcountModel,
    JobRunModel, AttendanceModel, AuditModel, MenuModel, TariffModel, InvoiceModel,
    LedgerModel, MarkModel, PaymentAttemptModel, DraftModel, OverpaymentModel,
    BordereauModel, TypicalWeekModel, SickReportModel, MandateModel, DebitModel,
    ExportJobModel,
)


def table_suffix(model: type[Model]) -> str:
    """A model's table name without the stage's prefix ("families")."""
    meta: Any = model.Meta  # PynamoDB types Meta with its own attributes only
    return meta.table


def bind(settings: Settings) -> None:
    """Point every model at the stage's tables: prefix, region, endpoint. One stage per
    process: the models are PynamoDB classes, shared by every container."""
    global _bound, _connection
    where = (settings.table_prefix, settings.region, settings.aws_endpoint)
    if where == _bound:
        return  # the same tables: keep the connections (and their HTTP pools) open
    shared = Connection(region=settings.region, host=settings.aws_endpoint,
                        max_retry_attempts=_Meta.max_retry_attempts)
    for model in ALL_MODELS:
        model.Meta.table_name = settings.table_name(table_suffix(model))
        model.Meta.region = settings.region
        model.Meta.host = settings.aws_endpoint
        model._connection = None
        # One botocore client for every table: PynamoDB gives each model a connection of
        # its own, hence a botocore session and client each (the service model loaded
        # 22 times, about 0.1 s apiece at a cold start). The table's schema goes with it.
        table = model._get_connection()
        shared.add_meta_table(table.connection.get_meta_table(model.Meta.table_name))
        table.connection = shared
    _connection = shared
    _bound = where


def create_tables() -> None:
    """Create every missing table (local stack and tests; production uses CloudFormation).

    One listing instead of a DescribeTable per table, and no polling: moto and DynamoDB
    Local create a table ACTIVE (a fourth of the local stack's start went to 84 polls).
    """
    names = {m.Meta.table_name for m in ALL_MODELS}
    client = ALL_MODELS[0]._get_connection().connection.client
    existing: set[str] = set()
    for page in client.get_paginator("list_tables").paginate():
        existing.update(page["TableNames"])
    for model in ALL_MODELS:
        if model.Meta.table_name in names - existing:
            model.create_table(billing_mode="PAY_PER_REQUEST")
