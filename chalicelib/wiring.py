"""Builds the object graph once per process: settings, clock, repositories, services.

Tests call ``reset()`` after changing the environment or swap the clock.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

from chalicelib.clock import FixedClock, SystemClock
from chalicelib.domain.signing import Signer
from chalicelib.mail.sender import Mailer
from chalicelib.services.attendance import AttendanceService
from chalicelib.services.audit import AuditService
from chalicelib.services.auth import AuthService, Pacer
from chalicelib.services.billing import BillingService
from chalicelib.services.bookings import BookingService
from chalicelib.services.closures import ReleaseService
from chalicelib.services.commune import CommuneService
from chalicelib.services.debits import DebitService
from chalicelib.services.deliveries import DeliveryService
from chalicelib.services.export_jobs import ExportJobService
from chalicelib.services.exports import ExportService
from chalicelib.services.families import FamilyService
from chalicelib.services.headcounts import HeadcountService
from chalicelib.services.invoicing import InvoiceRunService
from chalicelib.services.launcher import ExportQueue, JobLauncher
from chalicelib.services.lock import LockService
from chalicelib.services.mandates import MandateService
from chalicelib.services.menus import MenuService
from chalicelib.services.payments import PaymentService
from chalicelib.services.privacy import PrivacyService
from chalicelib.services.purge import PurgeService
from chalicelib.services.reminders import ReminderService
from chalicelib.services.sickness import SicknessService
from chalicelib.services.state_reports import StateReportService
from chalicelib.services.titres import TitresService
from chalicelib.services.treasury import TreasuryService
from chalicelib.services.typical_week import TypicalWeekService
from chalicelib.services.waitlist import WaitlistService
from chalicelib.settings import Settings, get_settings
from chalicelib.storage.accounts import AccountRepository
from chalicelib.storage.attendance import AttendanceRepository
from chalicelib.storage.audit import AuditRepository
from chalicelib.storage.billing import BillingRepository
from chalicelib.storage.bookings import BookingRepository
from chalicelib.storage.commune import CommuneRepository
from chalicelib.storage.debits import DebitRepository
from chalicelib.storage.drafts import DraftRepository
from chalicelib.storage.export_jobs import ExportJobRepository
from chalicelib.storage.files import FileStore
from chalicelib.storage.jobs import HeadcountRepository, JobRunRepository
from chalicelib.storage.mandates import MandateRepository
from chalicelib.storage.menus import MenuRepository
from chalicelib.storage.models import bind as bind_tables
from chalicelib.storage.payments import PaymentAttemptRepository
from chalicelib.storage.reminders import ReminderRepository
from chalicelib.storage.sessions import AttemptRepository, ResetTokenRepository, SessionRepository
from chalicelib.storage.sickness import SickReportRepository
from chalicelib.storage.titres import BordereauRepository
from chalicelib.storage.typical_weeks import TypicalWeekRepository


@dataclass
class Container:
    settings: Settings
    clock: SystemClock | FixedClock
    mailer: Mailer
    accounts: AccountRepository
    auth: AuthService
    families: FamilyService
    commune: CommuneService
    bookings: BookingService
    waitlist: WaitlistService
    audit: AuditService
    lock: LockService
    attendance: AttendanceService
    headcounts: HeadcountService
    exports: ExportService
    state_reports: StateReportService
    export_jobs: ExportJobService
    menus: MenuService
    attendance_repository: AttendanceRepository
    booking_repository: BookingRepository
    privacy: PrivacyService
    billing: BillingService
    invoicing: InvoiceRunService
    payments: PaymentService
    treasury: TreasuryService
    launcher: JobLauncher
    closures: ReleaseService
    titres: TitresService
    typical_weeks: TypicalWeekService
    reminders: ReminderService
    purge: PurgeService
    sickness: SicknessService
    debits: DebitService
    mandates: MandateService


@functools.lru_cache(maxsize=8)
def _client(service: str, region: str, endpoint: str | None):
    """One boto3 client per service and place for the process: building one loads its
    service model (about 40 ms), and a rebuilt container (tests) reuses it."""
    import boto3  # imported on first use: most requests send no e-mail and write no file
    return boto3.client(service, region_name=region, endpoint_url=endpoint)


def _ses_client_factory(settings: Settings):
    return lambda: _client("ses", settings.region, settings.aws_endpoint)


def _s3_client_factory(settings: Settings):
    return lambda: _client("s3", settings.region, settings.aws_endpoint)


def _sqs_client_factory(settings: Settings):
    return lambda: _client("sqs", settings.region, settings.aws_endpoint)


def _payfip_client_factory(settings: Settings):
    def make():
        from chalicelib.payfip.client import PayFipClient, PayFipConfig
        return PayFipClient(PayFipConfig(endpoint=settings.payfip_service,
                                         payment_page=settings.payfip_page,
                                         numcli=settings.payfip_numcli or "000000",
                                         mode=settings.payfip_mode))
    return make


def build(settings: Settings) -> Container:
    """Assemble the services for these settings (and point the models at their tables)."""
    bind_tables(settings)
    clock = FixedClock(settings.fixed_now) if settings.fixed_now else SystemClock()
    mailer = Mailer(_ses_client_factory(settings), settings.mail_from)
    accounts = AccountRepository()
    signer = Signer(settings.signing_key)
    resets = ResetTokenRepository()
    auth = AuthService(accounts, SessionRepository(), resets,
                       AttemptRepository(), mailer, settings.site_url,
                       Pacer(enabled=settings.auth_pacing), signer)
    sessions = SessionRepository()
    families = FamilyService(accounts, sessions, mailer, settings.site_url, signer,
                             AttemptRepository(), resets)
    commune_repository = CommuneRepository()
    commune = CommuneService(commune_repository)
    booking_repository = BookingRepository()
    runs = JobRunRepository()
    queue = ExportQueue(_sqs_client_factory(settings),
                        settings.export_queue or settings.export_queue_name)
    mail_reminders = ReminderService(commune, accounts, booking_repository,
                                     ReminderRepository(), runs, mailer, settings.site_url,
                                     queue.send_work)
    waitlist = WaitlistService(commune, booking_repository, accounts, mailer,
                               settings.site_url)
    bookings = BookingService(commune, booking_repository, waitlist,
                              mail_reminders.send_receipt)
    audit = AuditService(AuditRepository(), accounts, commune)
    headcounts = HeadcountRepository()
    attendance = AttendanceRepository()
    lock = LockService(commune, commune_repository, booking_repository, accounts, headcounts,
                       runs)
    billing_repository = BillingRepository()
    files = FileStore(_s3_client_factory(settings), settings.files_bucket)
    mandate_repository = MandateRepository()
    debit_repository = DebitRepository()
    debits = DebitService(accounts, billing_repository, mandate_repository, debit_repository,
                          files, mailer, settings.site_url)
    titres = TitresService(commune, accounts, billing_repository, BordereauRepository(),
                           files, debits)
    sick_reports = SickReportRepository()
    sickness = SicknessService(commune, accounts, booking_repository, sick_reports, files,
                               billing_repository)
    drafts = DraftRepository()
    invoicing = InvoiceRunService(commune, accounts, booking_repository, attendance,
                                  billing_repository, drafts, runs, mailer,
                                  settings.site_url, titres, sick_reports, debits)
    billing = BillingService(commune, accounts, billing_repository, invoicing.is_invoiced,
                             debits.check_not_sent, files)
    invoicing.deliveries = DeliveryService(
        commune, accounts, billing_repository, drafts, mailer, settings.site_url,
        billing.invoice_pdf, debits.of_family, queue.send_work)
    payments = PaymentService(_payfip_client_factory(settings), billing, billing_repository,
                              PaymentAttemptRepository(), settings.site_url,
                              debits=debits)
    head_counts = HeadcountService(commune, accounts, booking_repository, headcounts,
                                   sick_reports)
    exports = ExportService(commune, accounts, booking_repository, attendance, head_counts)
    purge = PurgeService(commune, accounts, billing_repository, sessions,
                         TypicalWeekRepository(), drafts, audit, runs)
    return Container(
        settings=settings, clock=clock, mailer=mailer, accounts=accounts, auth=auth,
        families=families, commune=commune, bookings=bookings, audit=audit, lock=lock,
        attendance=AttendanceService(commune, accounts, booking_repository, attendance),
        headcounts=head_counts,
        exports=exports,
        state_reports=StateReportService(commune, accounts, booking_repository, attendance,
                                         billing_repository, head_counts, sick_reports),
        export_jobs=ExportJobService(exports, ExportJobRepository(), files, queue.send),
        menus=MenuService(MenuRepository()),
        attendance_repository=attendance, booking_repository=booking_repository,
        privacy=PrivacyService(booking_repository, attendance, TypicalWeekRepository(),
                               sick_reports, mandate_repository),
        billing=billing,
        invoicing=invoicing,
        payments=payments, launcher=JobLauncher(settings),
        treasury=TreasuryService(billing, billing_repository, accounts),
        waitlist=waitlist,
        closures=ReleaseService(commune, booking_repository, accounts, headcounts, mailer,
                                settings.site_url, invoicing.is_invoiced),
        titres=titres, reminders=mail_reminders, purge=purge, sickness=sickness,
        debits=debits,
        mandates=MandateService(accounts, mandate_repository, mailer, settings.site_url),
        typical_weeks=TypicalWeekService(bookings, booking_repository,
                                         TypicalWeekRepository()))


@functools.lru_cache(maxsize=1)
def container() -> Container:
    """The process's services, built on first use."""
    return build(get_settings())


def reset() -> None:
    """Forget the built services (tests)."""
    container.cache_clear()
