"""The day's lists: head counts for the kitchen, attendance for the agents."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.api import shapes
from chalicelib.api.routing import STAFF, Call, endpoint
from chalicelib.api.staff.roles import ALL_STAFF, OFFICE

bp = Blueprint(__name__)


@endpoint(bp, "/staff/headcounts", audience=STAFF, roles=ALL_STAFF)
def list_headcounts(call: Call):
    """Per day × service × meal type: what the kitchen orders."""
    return {"days": [shapes.headcount(row) for row in
                     call.services.headcounts.headcounts(call.query, call.now)]}



@endpoint(bp, "/staff/attendance", audience=STAFF, roles=OFFICE)
def list_attendance(call: Call):
    """The children expected for a day and service, with what was recorded."""
    listed = call.services.attendance.attendance_list(call.query, call.now)
    # Children their family reported sick ("malade"), shown on the agent's tablet.
    sick = call.services.sickness.sick_children(listed["date"], listed["service"])
    return {**listed, "others": [shapes.listed_child(row) for row in listed["others"]],
            "children": [{**shapes.expected_child(row), "sick": row.child.id in sick}
                         for row in listed["children"]]}


@endpoint(bp, "/staff/attendance", ("PUT",), audience=STAFF, roles=OFFICE)
def record_attendance(call: Call):
    """Record presence or absence, arrival and departure, justification."""
    before, after = call.services.attendance.record_attendance(call.body, call.principal.ref,
                                                               call.now)
    call.audit("pointage", f"{after.child_id} {after.day.isoformat()} {after.service}",
               shapes.attendance_record(before), shapes.attendance_record(after))
    return shapes.attendance_record(after)


@endpoint(bp, "/staff/waiting-lists", audience=STAFF, roles=OFFICE)
def list_waiting(call: Call):
    """For one day, each service with places: places, confirmed, and its waiting list."""
    return call.services.waitlist.day(call.query)


@endpoint(bp, "/staff/waiting-lists/promote", ("POST",), audience=STAFF, roles=OFFICE)
def promote_waiting(call: Call):
    """Give a free place to one entry of a waiting list, whatever its rank."""
    answer = call.services.waitlist.promote(call.body, call.now)
    call.audit("liste_attente.promotion",
               f"{call.body['child_id']} {call.body['date']} {call.body['service']}",
               None, answer)
    return answer


@endpoint(bp, "/staff/waiting-lists/remove", ("POST",), audience=STAFF, roles=OFFICE)
def remove_waiting(call: Call):
    """Take an entry off a waiting list."""
    answer = call.services.waitlist.remove(call.body, call.now)
    call.audit("liste_attente.retrait",
               f"{call.body['child_id']} {call.body['date']} {call.body['service']}",
               None, answer)
    return answer
