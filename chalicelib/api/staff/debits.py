"""Direct debits in « Facturation »: the month's debits, the régie's pain.008 file for its
bank, and the rejects the bank reports."""
from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.api import shapes
from chalicelib.api.routing import STAFF, Call, endpoint
from chalicelib.api.staff.roles import ADMIN
from chalicelib.domain.bookings import month_bounds

bp = Blueprint(__name__)


@endpoint(bp, "/staff/billing/{month}/debits", audience=STAFF, roles=ADMIN)
def list_debits(call: Call):
    """The month's direct debits (account masked) and the files already issued."""
    month_bounds(call.params["month"])
    return shapes.debits_month(call.services.debits.month_view(call.params["month"],
                                                               call.settings))


@endpoint(bp, "/staff/billing/{month}/debits/file", ("POST",), audience=STAFF, roles=ADMIN)
def issue_debit_file(call: Call):
    """Put the month's announced debits in a new pain.008 file (régie mode); debits whose
    notice could not be kept move to the next debit day, their families told again."""
    month_bounds(call.params["month"])
    result = call.services.debits.issue_file(call.params["month"], call.settings, call.now,
                                             call.principal.ref)
    issued = result.pop("issued")
    call.audit("prélèvements.fichier", call.params["month"], None, issued)
    return {**shapes.debits_month(result), "issued": issued}


@endpoint(bp, "/staff/billing/{month}/debits/files/{file_id}/xml", audience=STAFF, roles=ADMIN)
def get_debit_file(call: Call):
    """A debit file as issued (pain.008 XML), for the régie's bank."""
    month_bounds(call.params["month"])
    name, data = call.services.debits.file(call.params["month"], call.params["file_id"],
                                           call.settings)
    return Response(body=data, status_code=200, headers={
        "Content-Type": "application/xml",
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


@endpoint(bp, "/staff/billing/{month}/debits/{invoice_id}/reject", ("POST",), audience=STAFF,
          roles=ADMIN)
def reject_debit(call: Call):
    """Record the bank's reject of a debit (``{"code": "AM04", "date"}``): the invoice is
    due again, the family told, the mandate suspended at the commune's limit."""
    month_bounds(call.params["month"])
    result = call.services.debits.reject(call.params["month"], call.params["invoice_id"],
                                         call.body, call.settings, call.now,
                                         call.principal.ref)
    shaped = shapes.debit(result["debit"])
    call.audit("prélèvements.rejet", call.params["invoice_id"], None,
               {"code": shaped["reject"]["code"] if shaped["reject"] else None,
                "mandate": result["mandate"].status if result["mandate"] else None})
    return {"debit": shaped,
            "mandate_status": result["mandate"].status if result["mandate"] else None}
