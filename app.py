"""Entry point: create the Chalice app, register the blueprints and schedules. Wiring only."""
from chalice import Chalice, Cron

from chalicelib.api import auth, dev, family, mandates, public, sickness, staff
from chalicelib.jobs import exports, invoice, lock, payments, purge, reminders, schedules
from chalicelib.logging_setup import configure as configure_logs
from chalicelib.settings import get_settings

settings = get_settings()  # fails fast on an unsafe environment (e.g. CANTINE_NOW in prod)

app = Chalice(app_name="cantine")
configure_logs(app, settings)  # JSON lines with the request id, outside the local stage
app.api.cors = False  # the site and the API share one origin
app.api.binary_types.append("application/pdf")  # invoices, mandates
app.api.binary_types.append("application/xml")  # PES files for the Treasury (ISO-8859-1)
app.api.binary_types.append("image/heic")  # medical certificates photographed on a phone
for blueprint in (public.bp, auth.bp, family.bp, sickness.bp, mandates.bp,
                  *staff.BLUEPRINTS):
    app.register_blueprint(blueprint)
if settings.is_local:
    app.register_blueprint(dev.bp)

# Bound to a module-level name: the deployed handler is "app.lock_bookings".
lock_bookings = app.schedule(Cron(*schedules.LOCK), name="lock_bookings")(lock.lock_bookings)
invoice_month = app.schedule(Cron(*schedules.INVOICE), name="invoice_month")(invoice.invoice_month)
reconcile_payments = app.schedule(Cron(*schedules.PAYMENTS),
                                  name="reconcile_payments")(payments.reconcile_payments)
remind_families = app.schedule(Cron(*schedules.REMINDERS),
                               name="remind_families")(reminders.remind_families)
purge_families = app.schedule(Cron(*schedules.PURGE),
                              name="purge_families")(purge.purge_families)
# The export files staff ask for, one SQS message a job (the stack makes the queue under
# this name, with a visibility longer than the function's 15 minutes: infra/template.py).
write_export = app.on_sqs_message(queue=settings.export_queue_name, batch_size=1,
                                  name="write_export")(exports.write_export)
