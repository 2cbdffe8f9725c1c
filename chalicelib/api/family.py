"""What a signed-in family reads and does about itself."""
from __future__ import annotations

from datetime import timedelta

from chalice import Blueprint, Response

from chalicelib.api import shapes
from chalicelib.api.errors import json_response
from chalicelib.api.routing import FAMILY, MEMBER, Call, endpoint

bp = Blueprint(__name__)


@endpoint(bp, "/family", audience=FAMILY)
def get_family(call: Call):
    """The signed-in family: number, name, contact details, children, and today's date."""
    # "today" is the commune's date from the server clock, so pages agree with the rules;
    # the commune's name (for the header) came with the family: no request more.
    return {**shapes.family(call.family()), "today": call.now.date().isoformat(),
            "commune_name": call.settings.name,
            "commune_accessibility": call.settings.accessibility.status}


# How far ahead the home page lists booked days ("Inscriptions en cours").
HOME_UPCOMING_DAYS = 90
HOME_STATEMENT_LINES = 5


@endpoint(bp, "/family/home", audience=FAMILY)
def get_home(call: Call):
    """Everything the home page shows, in one call: the family, the latest lines of its
    account with the balance, and each child's upcoming booked days.

    Four DynamoDB requests: the session, the family with the commune's settings, the
    account, and the family's bookings (one query for all children).
    """
    today = call.now.date()
    upcoming = {"from": today.isoformat(),
                "to": (today + timedelta(days=HOME_UPCOMING_DAYS)).isoformat()}
    return {"family": {**shapes.family(call.family()), "today": today.isoformat()},
            "commune_name": call.settings.name,
            "commune_accessibility": call.settings.accessibility.status,
            "statement": call.services.billing.statement(
                call.family_number(), HOME_STATEMENT_LINES, today),
            "bookings": shapes.family_bookings(call.services.bookings.family_bookings(
                call.family(), upcoming, call.now, call.settings))}


@endpoint(bp, "/family/bookings", audience=FAMILY)
def list_bookings(call: Call):
    """Booked days per child over a range ("Inscriptions en cours")."""
    return shapes.family_bookings(call.services.bookings.family_bookings(
        call.family(), call.query, call.now, call.settings))


@endpoint(bp, "/children/{child_id}/calendar", audience=FAMILY)
def get_calendar(call: Call):
    """A child's month: holidays, and per service booked / editable / deadline; with the
    family (its children, today's date, the commune's name) and the month's menus, so
    that the booking grid, the page every family opens before each deadline, loads in
    one call and three DynamoDB requests: the session with the family and the settings,
    the child's month, the month's menus."""
    # Without a month, the commune's current one (the page's first call, whatever the
    # device's clock says).
    month = call.query.get("month") or f"{call.now.date():%Y-%m}"
    grid = call.services.bookings.month(call.family(), call.params["child_id"], month,
                                        call.now, call.settings)
    days = grid["days"]
    menus = call.services.menus.menus({"from": days[0]["date"], "to": days[-1]["date"]},
                                      call.now)
    return {**grid, "child": shapes.child(grid["child"]),
            "family": {**shapes.family(call.family()), "today": call.now.date().isoformat(),
                       "commune_name": call.settings.name,
                       "commune_accessibility": call.settings.accessibility.status},
            "menus": menus}


@endpoint(bp, "/children/{child_id}/bookings", ("PUT",), audience=FAMILY)
def update_bookings(call: Call):
    """Save day-by-day changes, all or nothing; days whose places are all taken go on the
    waiting list (``waiting``: date, service, rank)."""
    return call.services.bookings.save(call.family(), call.params["child_id"], call.body,
                                       call.now, call.settings)


@endpoint(bp, "/children/{child_id}/bookings/period", ("POST",), audience=FAMILY)
def book_period(call: Call):
    """Book or cancel a whole period (week, month, school year)."""
    return call.services.bookings.book_period(call.family(), call.params["child_id"],
                                              call.body, call.now, call.settings)


@endpoint(bp, "/family", ("PUT",), audience=FAMILY)
def update_family(call: Call):
    """"Vos informations": the family updates its phones, address and second e-mail (a new
    address is the family's once its owner follows the link sent to it)."""
    before, after = call.services.families.update_own(call.family(), call.body, call.now)
    call.audit("famille.informations", after.number, shapes.family(before),
               shapes.family(after))
    return {**shapes.family(after), "today": call.now.date().isoformat()}


@endpoint(bp, "/family/export", audience=FAMILY)
def export_family(call: Call):
    """Everything the product holds about the family, as JSON (RGPD right of access)."""
    family = call.family()
    data = shapes.family_export(family, call.services.privacy.export_family(family), call.now,
                                call.services.privacy.export_mandates(family))
    return json_response(data, 200, {
        "Content-Disposition": f'attachment; filename="donnees-famille-{family.number}.json"'})


@endpoint(bp, "/menus", audience=MEMBER)
def list_menus(call: Call):
    """Menus of a date range, with the 14 allergens' names."""
    return call.services.menus.menus(call.query, call.now)


@endpoint(bp, "/family/statement", audience=FAMILY)
def get_statement(call: Call):
    """"Relevé de compte": balance and lines newest first, with the running balance."""
    return call.services.billing.statement(call.family_number(), call.query.get("limit"),
                                           call.now.date())


@endpoint(bp, "/family/invoices", audience=FAMILY)
def list_invoices(call: Call):
    """The family's invoices with their status, and how the commune collects today (the
    page says how to pay before any invoice exists; each invoice keeps its own mode)."""
    number = call.family_number()
    # The family's debits are read only where the commune offers direct debit.
    debits = call.services.debits.of_family(number) \
        if call.settings.direct_debit.enabled else {}
    return {"invoices": [shapes.invoice(invoice, state, debits.get(invoice.number))
                         for invoice, state in call.services.billing.invoices(number)],
            "collection": call.settings.collection.mode}


@endpoint(bp, "/family/invoices/{invoice_id}/pdf", audience=FAMILY)
def get_invoice_pdf(call: Call):
    """One of the family's invoices as a PDF."""
    family = call.family()
    debit = call.services.debits.of_family(family.number).get(call.params["invoice_id"]) \
        if call.settings.direct_debit.enabled else None
    pdf = call.services.billing.invoice_pdf(family, call.params["invoice_id"],
                                            call.settings, debit)
    return Response(body=pdf, status_code=200, headers={
        "Content-Type": "application/pdf",
        "Content-Disposition": f'inline; filename="facture-{call.params["invoice_id"]}.pdf"',
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


@endpoint(bp, "/family/invoices/{invoice_id}/payfip", ("POST",), audience=FAMILY)
def start_payfip(call: Call):
    """"Payer en ligne": create the PayFip payment and say where to send the parent."""
    family = call.family()
    return call.services.payments.start(family.number, family.emails[0],
                                        call.params["invoice_id"], call.now)


@endpoint(bp, "/family/payfip/return", audience=FAMILY)
def get_payfip_return(call: Call):
    """The parent is back from PayFip: the payment is confirmed with PayFip itself."""
    return call.services.payments.parent_return(call.family_number(), call.query.get("idop"),
                                                call.now)


@endpoint(bp, "/family/typical-weeks", audience=FAMILY)
def list_typical_weeks(call: Call):
    """Each child's typical week ("semaine type"), and the school days and services."""
    return shapes.typical_weeks(call.services.typical_weeks.weeks(call.family(),
                                                                  call.settings))


@endpoint(bp, "/children/{child_id}/typical-week", ("PUT",), audience=FAMILY)
def update_typical_week(call: Call):
    """Replace a child's typical week: per school weekday, the services wanted."""
    return shapes.typical_week(call.services.typical_weeks.save(
        call.family(), call.params["child_id"], call.body, call.now, call.settings))


@endpoint(bp, "/family/typical-weeks/apply", ("POST",), audience=FAMILY)
def apply_typical_weeks(call: Call):
    """Apply the children's typical weeks to a period (every week, one in two, odd or
    even ISO weeks), all or nothing for all the children."""
    return call.services.typical_weeks.apply(call.family(), call.body, call.now,
                                             call.settings)
