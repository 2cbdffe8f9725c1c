"""The staff roles each endpoint admits."""
from __future__ import annotations

ADMIN = ("admin",)
OFFICE = ("admin", "agent")            # the day's lists and attendance
ALL_STAFF = ("admin", "agent", "kitchen")
CATERING = ("admin", "kitchen")          # what the kitchen orders and cooks
# Need to know: the income bracket (quotient familial) serves billing, the admin's work
# only; agents see a family's contact details and children, never its income.
INCOME_ROLES = ADMIN
