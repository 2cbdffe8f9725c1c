"""The scheduled jobs run by hand, and their runs."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.api import shapes
from chalicelib.api.routing import STAFF, Call, endpoint
from chalicelib.api.staff.roles import ADMIN
from chalicelib.domain.errors import ValidationError

bp = Blueprint(__name__)


@endpoint(bp, "/staff/jobs/lock", ("POST",), audience=STAFF, roles=ADMIN)
def run_lock(call: Call):
    """Run the weekly lock now: freezes every day and service past its deadline."""
    result = call.services.lock.run("staff", call.services.clock.now)
    call.audit("verrouillage", result["run"].id, None,
               {"frozen_count": len(result["frozen"])})
    return shapes.with_run(result)


@endpoint(bp, "/staff/jobs/runs", audience=STAFF, roles=ADMIN)
def list_runs(call: Call):
    """The latest runs of a scheduled job (the lock by default), with their outcome."""
    job = call.query.get("job", "lock")
    if job == "invoice":
        return {"runs": [shapes.job_run(r) for r in call.services.invoicing.runs(call.now)]}
    if job == "reminders":
        return {"runs": [shapes.job_run(r) for r in call.services.reminders.runs(call.now)]}
    if job == "purge":
        return {"runs": [shapes.job_run(r) for r in call.services.purge.runs(call.now)]}
    if job != "lock":
        raise ValidationError("Tâche inconnue (lock, invoice, reminders ou purge).",
                              field="job")
    return {"runs": [shapes.job_run(r) for r in call.services.lock.runs(call.now)]}
