"""Town-hall staff operations. Each endpoint names the roles it admits."""
from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.api.errors import json_response
from chalicelib.api.routing import STAFF, Call, endpoint
from chalicelib.domain.accounts import child_details, family_details
from chalicelib.domain.commune import settings_to_dict
from chalicelib.domain.errors import Forbidden, NotFound, ValidationError
from chalicelib.services.families import staff_json
from chalicelib.services.attendance import record_json

bp = Blueprint(__name__)

ADMIN = ("admin",)
OFFICE = ("admin", "agent")            # the day's lists and attendance
ALL_STAFF = ("admin", "agent", "kitchen")
# Need to know: the income bracket (quotient familial) serves billing, the admin's work
# only; agents see a family's contact details and children, never its income.
INCOME_ROLES = ADMIN


# -- families and children ---------------------------------------------------------------
@endpoint(bp, "/staff/families", audience=STAFF, roles=OFFICE)
def list_families(call: Call):
    """Search families by number, e-mail or the start of the name; paged."""
    return call.services.families.search(call.query)


@endpoint(bp, "/staff/families", ("POST",), audience=STAFF, roles=ADMIN)
def create_family(call: Call):
    """Create a family; it receives its number and a temporary password by e-mail."""
    family = call.services.families.create_family(call.body, call.now)
    call.audit("famille.création", family.number, None, family_details(family))
    return json_response({"number": family.number}, 201)


@endpoint(bp, "/staff/families/{number}", audience=STAFF, roles=OFFICE)
def get_family(call: Call):
    """A family with its children's details (its income bracket for the admin only)."""
    return family_details(call.services.families.get_family(call.params["number"]),
                          with_income=call.principal.role in INCOME_ROLES)


@endpoint(bp, "/staff/families/{number}", ("PUT",), audience=STAFF, roles=ADMIN)
def update_family(call: Call):
    """Edit a family's names, e-mails, phones, address and income bracket."""
    before, after = call.services.families.update_family(call.params["number"], call.body)
    call.audit("famille.modification", after.number, family_details(before),
               family_details(after))
    return family_details(after)


def _archive(call: Call, archived: bool):
    before, after = call.services.families.set_archived(call.params["number"], archived)
    call.audit("famille.archivage" if archived else "famille.réactivation", after.number,
               {"archived": before.archived}, {"archived": after.archived})
    return family_details(after)


@endpoint(bp, "/staff/families/{number}/archive", ("POST",), audience=STAFF, roles=ADMIN)
def archive_family(call: Call):
    """Archive a family: it can no longer sign in and leaves the lists."""
    return _archive(call, True)


@endpoint(bp, "/staff/families/{number}/unarchive", ("POST",), audience=STAFF, roles=ADMIN)
def unarchive_family(call: Call):
    """Bring an archived family back."""
    return _archive(call, False)


@endpoint(bp, "/staff/families/{number}/credentials", ("POST",), audience=STAFF, roles=ADMIN)
def resend_credentials(call: Call):
    """E-mail the family its number and a link to choose a password; the current one
    keeps working until the link is used."""
    sent_to = call.services.families.resend_credentials(call.params["number"], call.now)
    call.audit("famille.identifiants", call.params["number"], None, {"envoyés": True})
    return json_response({"message": "Identifiants renvoyés à " + ", ".join(sent_to)
                          + " : un lien pour choisir un mot de passe, valable 7 jours. Le "
                          "mot de passe actuel de la famille reste valable.",
                          "sent_to": list(sent_to)}, 202)


@endpoint(bp, "/staff/families/{number}/children", ("POST",), audience=STAFF, roles=ADMIN)
def create_child(call: Call):
    """Add a child to a family."""
    child = call.services.families.add_child(call.params["number"], call.body)
    call.audit("enfant.création", child.id, None, child_details(child))
    return json_response({"id": child.id}, 201)


@endpoint(bp, "/staff/families/{number}/children/{child_id}", ("PUT",), audience=STAFF,
          roles=ADMIN)
def update_child(call: Call):
    """Edit a child's school, class, meal type, allergies and pick-up people."""
    before, after = call.services.families.update_child(
        call.params["number"], call.params["child_id"], call.body)
    call.audit("enfant.modification", after.id, child_details(before), child_details(after))
    return child_details(after)


@endpoint(bp, "/staff/families/{number}/children/{child_id}/archive", ("POST",),
          audience=STAFF, roles=ADMIN)
def archive_child(call: Call):
    """Archive a child who left the school."""
    before, after = call.services.families.update_child(
        call.params["number"], call.params["child_id"], {}, archived=True)
    call.audit("enfant.archivage", after.id, {"archived": False}, {"archived": True})
    return child_details(after)


# -- staff accounts ----------------------------------------------------------------------
@endpoint(bp, "/staff/accounts", audience=STAFF, roles=ADMIN)
def list_accounts(call: Call):
    """Every staff account."""
    return {"accounts": [staff_json(m) for m in call.services.families.list_staff()]}


@endpoint(bp, "/staff/accounts", ("POST",), audience=STAFF, roles=ADMIN)
def create_account(call: Call):
    """Open a staff account with a role; the password goes by e-mail."""
    member = call.services.families.create_staff(call.body, call.now)
    call.audit("personnel.création", member.email, None, staff_json(member))
    return json_response(staff_json(member), 201)


@endpoint(bp, "/staff/accounts/{email}", ("PUT",), audience=STAFF, roles=ADMIN)
def update_account(call: Call):
    """Change a staff member's name or role."""
    before, after = call.services.families.update_staff(call.params["email"], call.body,
                                                        call.principal.ref)
    call.audit("personnel.modification", after.email, staff_json(before), staff_json(after))
    return staff_json(after)


@endpoint(bp, "/staff/accounts/{email}", ("DELETE",), audience=STAFF, roles=ADMIN)
def delete_account(call: Call):
    """Close a staff account."""
    member = call.services.families.delete_staff(call.params["email"], call.principal.ref)
    call.audit("personnel.suppression", member.email, staff_json(member), None)
    return json_response(None, 204)


# -- commune settings --------------------------------------------------------------------
@endpoint(bp, "/staff/settings", audience=STAFF, roles=ADMIN)
def get_settings(call: Call):
    """The commune's settings and closures."""
    return settings_to_dict(call.services.commune.get())


@endpoint(bp, "/staff/settings", ("PUT",), audience=STAFF, roles=ADMIN)
def update_settings(call: Call):
    """Edit school days, zone and services; 400 names the field at fault."""
    before, after, released = call.services.closures.update_settings(call.body, call.now)
    call.audit("paramètres.modification", "commune", settings_to_dict(before),
               {**settings_to_dict(after), **({"réservations annulées": released["released"]}
                                              if released["released"] else {})})
    return {**settings_to_dict(after), "released": released}


@endpoint(bp, "/staff/closures", ("POST",), audience=STAFF, roles=ADMIN)
def create_closure(call: Call):
    """Close the service over a date range (strike, "pont", school trip); the bookings of
    those days are cancelled and each family concerned is told."""
    closure = call.services.closures.add_closure(call.body, call.now)
    call.audit("fermeture.création", closure["id"], None, closure)
    return json_response(closure, 201)


@endpoint(bp, "/staff/closures/{closure_id}", ("DELETE",), audience=STAFF, roles=ADMIN)
def delete_closure(call: Call):
    """Remove a closure."""
    call.services.commune.delete_closure(call.params["closure_id"])
    call.audit("fermeture.suppression", call.params["closure_id"], None, None)
    return json_response(None, 204)


# -- audit -------------------------------------------------------------------------------
@endpoint(bp, "/staff/audit", audience=STAFF, roles=ADMIN)
def list_audit(call: Call):
    """Who changed what and when, newest first."""
    return {"entries": call.services.audit.list(call.query, call.now)}


# -- weekly lock, head counts ------------------------------------------------------------
@endpoint(bp, "/staff/jobs/lock", ("POST",), audience=STAFF, roles=ADMIN)
def run_lock(call: Call):
    """Run the weekly lock now: freezes every day and service past its deadline."""
    result = call.services.lock.run("staff", call.services.clock.now)
    call.audit("verrouillage", result["run"]["id"], None,
               {"frozen_count": len(result["frozen"])})
    return result


@endpoint(bp, "/staff/jobs/runs", audience=STAFF, roles=ADMIN)
def list_runs(call: Call):
    """The latest runs of the lock, with their outcome."""
    job = call.query.get("job", "lock")
    if job == "invoice":
        return {"runs": call.services.invoicing.runs(call.now)}
    if job != "lock":
        raise ValidationError("Tâche inconnue (lock ou invoice).", field="job")
    return {"runs": call.services.lock.runs(call.now)}


@endpoint(bp, "/staff/headcounts", audience=STAFF, roles=ALL_STAFF)
def list_headcounts(call: Call):
    """Per day × service × meal type: what the kitchen orders."""
    return {"days": call.services.headcounts.headcounts(call.query, call.now)}


# -- attendance --------------------------------------------------------------------------
@endpoint(bp, "/staff/attendance", audience=STAFF, roles=OFFICE)
def list_attendance(call: Call):
    """The children expected for a day and service, with what was recorded."""
    return call.services.attendance.attendance_list(call.query, call.now)


@endpoint(bp, "/staff/attendance", ("PUT",), audience=STAFF, roles=OFFICE)
def record_attendance(call: Call):
    """Record presence or absence, arrival and departure, justification."""
    before, after = call.services.attendance.record_attendance(call.body, call.principal.ref,
                                                               call.now)
    call.audit("pointage", f"{after.child_id} {after.day.isoformat()} {after.service}",
               record_json(before), record_json(after))
    return record_json(after)


# -- exports -----------------------------------------------------------------------------
EXPORT_ROLES = {"headcounts": ALL_STAFF, "bookings": OFFICE, "attendance": OFFICE,
                "families": ADMIN, "invoices": ADMIN, "ledger": ADMIN}


@endpoint(bp, "/staff/exports/{name}", audience=STAFF, roles=ALL_STAFF)
def download_export(call: Call):
    """A CSV for Excel: ``headcounts``, ``bookings``, ``attendance`` or ``families``."""
    name = call.params["name"]
    if not name.endswith(".csv") or name[:-4] not in EXPORT_ROLES:
        raise NotFound()
    name = name[:-4]
    if call.principal.role not in EXPORT_ROLES[name]:
        raise Forbidden("Cet export n'est pas accessible à votre rôle.")
    if name in ("invoices", "ledger"):
        filename, text = call.services.billing.export(name, call.query, call.now)
    else:
        filename, text = call.services.exports.export(name, call.query, call.now)
    return Response(body=text, status_code=200, headers={
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


# -- menus -------------------------------------------------------------------------------
@endpoint(bp, "/staff/menus/{week}", ("PUT",), audience=STAFF, roles=("admin", "kitchen"))
def publish_menu(call: Call):
    """Publish a week's menu (week = the date of its Monday)."""
    result = call.services.menus.publish_week(call.params["week"], call.body)
    call.audit("menu.publication", result["week"], None, result)
    return result


# -- billing -----------------------------------------------------------------------------
@endpoint(bp, "/staff/tariffs", audience=STAFF, roles=ADMIN)
def list_tariffs(call: Call):
    """Every dated tariff."""
    return {"tariffs": call.services.billing.tariffs()}


@endpoint(bp, "/staff/tariffs", ("POST",), audience=STAFF, roles=ADMIN)
def create_tariff(call: Call):
    """A new price for a service from a date (never backwards)."""
    tariff = call.services.billing.add_tariff(call.body, call.now)
    call.audit("tarif.création", f"{tariff['service']} {tariff['effective_from']}", None, tariff)
    return json_response(tariff, 201)


def _billing_step(call: Call, step: str):
    month = call.params["month"]
    invoicing = call.services.invoicing
    invoicing.check_month(month, call.now)
    action = "facturation.pré-facturation" if step == "draft" else "facturation.validation"
    if call.services.launcher.in_background:
        call.services.launcher.start_billing_step(month, step, call.principal.ref)
        call.audit(action, month, None, {"started": True})
        return json_response({"started": True, "month": month,
                              "message": "Le traitement est lancé ; suivez-le dans la liste "
                                         "des exécutions."}, 202)
    run = invoicing.build_draft if step == "draft" else invoicing.confirm_month
    result = run(month, "staff", call.principal.ref, call.services.clock.now)
    call.audit(action, month, None, {k: result[k] for k in ("invoiced", "to_issue",
                                                            "total_cents") if k in result})
    return result


@endpoint(bp, "/staff/billing/{month}", audience=STAFF, roles=ADMIN)
def get_billing_month(call: Call):
    """The month's draft invoices ("pré-facturation"): per family, lines, total and the
    anomalies worth a look, with the month's status (draft, confirmed)."""
    return call.services.invoicing.month_view(call.params["month"], call.now)


@endpoint(bp, "/staff/billing/{month}/draft", ("POST",), audience=STAFF, roles=ADMIN)
def build_billing_draft(call: Call):
    """Compute (or compute again) the month's draft; no invoice is issued."""
    return _billing_step(call, "draft")


@endpoint(bp, "/staff/billing/{month}/confirm", ("POST",), audience=STAFF, roles=ADMIN)
def confirm_billing_month(call: Call):
    """Confirm the draft: invoices are numbered, entered in the ledger and e-mailed."""
    return _billing_step(call, "confirm")


@endpoint(bp, "/staff/invoices", audience=STAFF, roles=ADMIN)
def list_month_invoices(call: Call):
    """Every invoice of a month, with its family, state and what remains to pay;
    ``state=unpaid`` keeps those not fully paid."""
    return {"invoices": call.services.billing.month_invoices(call.query.get("month"),
                                                             call.query.get("state"))}


@endpoint(bp, "/staff/families/{number}/statement", audience=STAFF, roles=ADMIN)
def get_family_statement(call: Call):
    """A family's account, as the family sees it."""
    call.services.families.get_family(call.params["number"])
    return call.services.billing.statement(call.params["number"], call.query.get("limit"),
                                           call.now.date())


@endpoint(bp, "/staff/families/{number}/invoices", audience=STAFF, roles=ADMIN)
def list_family_invoices(call: Call):
    """A family's invoices with their status."""
    call.services.families.get_family(call.params["number"])
    return {"invoices": call.services.billing.invoices(call.params["number"])}


@endpoint(bp, "/staff/families/{number}/invoices/{invoice_id}/pdf", audience=STAFF,
          roles=ADMIN)
def get_family_invoice_pdf(call: Call):
    """Any family's invoice as a PDF, for the town hall."""
    family = call.services.families.get_family(call.params["number"])
    pdf = call.services.billing.invoice_pdf(family, call.params["invoice_id"])
    return Response(body=pdf, status_code=200, headers={
        "Content-Type": "application/pdf",
        "Content-Disposition": f'inline; filename="facture-{call.params["invoice_id"]}.pdf"',
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


@endpoint(bp, "/staff/families/{number}/payments", ("POST",), audience=STAFF, roles=ADMIN)
def record_payment(call: Call):
    """Record a payment received at the town hall (cheque, cash, CESU, transfer, debit),
    once per ``Idempotency-Key``: a repeat answers the first result."""
    key = call.header("idempotency-key") or call.body.get("idempotency_key")
    payment, recorded = call.services.billing.record_payment(
        call.params["number"], call.body, key, call.now, call.principal.ref)
    if recorded:
        call.audit("paiement", call.params["number"], None, payment)
    return json_response(payment, 201)


@endpoint(bp, "/staff/families/{number}/invoices/{invoice_id}/credit-note", ("POST",),
          audience=STAFF, roles=ADMIN)
def create_credit_note(call: Call):
    """Cancel an invoice with a credit note ("avoir")."""
    note = call.services.billing.credit_note(call.params["number"], call.params["invoice_id"],
                                             call.body, call.now, call.principal.ref)
    call.audit("avoir", note["invoice"], None, note)
    return json_response(note, 201)


@endpoint(bp, "/staff/overpayments", audience=STAFF, roles=ADMIN)
def list_overpayments(call: Call):
    """Money received beyond what the family owed ("trop-perçus"), to refund or keep."""
    return {"overpayments": call.services.billing.overpayments()}


@endpoint(bp, "/staff/overpayments/{overpayment_id}", ("POST",), audience=STAFF, roles=ADMIN)
def settle_overpayment(call: Call):
    """Refund an overpayment (``{"action": "refund", "method"}``) or keep it on the
    family's account (``{"action": "keep"}``)."""
    result = call.services.billing.settle_overpayment(call.params["overpayment_id"],
                                                      call.body, call.now, call.principal.ref)
    call.audit("trop-perçu", result["id"], {"status": "open"}, result)
    return result
