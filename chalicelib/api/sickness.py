"""« Mon enfant est malade »: a family reports a sick day and hands in the certificate."""
from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.api import shapes
from chalicelib.api.errors import json_response
from chalicelib.api.routing import FAMILY, Call, endpoint
from chalicelib.domain.sickness import MAX_CERTIFICATE_BYTES, RULE_LABELS, sickness_to_dict

bp = Blueprint(__name__)

# A 4 MB file is 5.4 MB in base64, plus the JSON around it (under Lambda's 6 MB).
UPLOAD_MAX_BODY = MAX_CERTIFICATE_BYTES * 4 // 3 + 64 * 1024


def file_response(content_type: str, data: bytes, name: str) -> Response:
    """A stored file, never cached, never sniffed into something else."""
    return Response(body=data, status_code=200, headers={
        "Content-Type": content_type, "Content-Disposition": f'inline; filename="{name}"',
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox"})


@endpoint(bp, "/family/sick-days", audience=FAMILY)
def list_sick_days(call: Call):
    """The family's sick days (the last two months and ahead), and the commune's rule."""
    rule = call.settings.sickness
    return {"sickness": {**sickness_to_dict(rule), "billing_label": RULE_LABELS[rule.billing]},
            "reports": [shapes.sick_report(r) for r in
                        call.services.sickness.family_reports(call.family(), call.now)]}


@endpoint(bp, "/children/{child_id}/sick-days", ("POST",), audience=FAMILY)
def report_sick_day(call: Call):
    """Report the child sick on a booked day, after the change deadline and until the
    commune's cut-off; the same day again answers 200 with the first report."""
    report, created = call.services.sickness.report(call.family(), call.params["child_id"],
                                                    call.body, call.now, call.settings)
    if created:
        call.audit("maladie.signalement", f"{report.child_id} {report.day.isoformat()}",
                   None, shapes.sick_report(report))
    return json_response(shapes.sick_report(report), 201 if created else 200)


@endpoint(bp, "/children/{child_id}/sick-days/{date}/certificate", ("POST",),
          audience=FAMILY, max_body=UPLOAD_MAX_BODY)
def upload_certificate(call: Call):
    """Hand in the medical certificate: ``content_base64`` (PDF, JPEG, PNG or HEIC, 4 MB
    at most) and ``content_type``; staff then accept or refuse it."""
    report = call.services.sickness.upload_certificate(
        call.family(), call.params["child_id"], call.params["date"], call.body, call.now)
    call.audit("maladie.certificat", f"{report.child_id} {report.day.isoformat()}", None,
               shapes.certificate(report.certificate))
    return json_response(shapes.sick_report(report), 201)


@endpoint(bp, "/children/{child_id}/sick-days/{date}/certificate", audience=FAMILY)
def get_certificate(call: Call):
    """The family's own certificate file."""
    cert, data = call.services.sickness.family_certificate(
        call.family(), call.params["child_id"], call.params["date"])
    return file_response(cert.content_type, data, f"certificat-{call.params['date']}")
