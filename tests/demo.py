"""The demo accounts the tests sign in with, as ``chalicelib.services.demo`` creates them.

Named once here so that a change of the demo data is a change of one place, not of
every test that signs in.
"""
from __future__ import annotations

from chalicelib.services.demo import DEMO_FAMILY, DEMO_STAFF

FAMILY_NUMBER = DEMO_FAMILY["number"]
FAMILY_EMAIL = DEMO_FAMILY["email"]
FAMILY_PASSWORD = DEMO_FAMILY["password"]
FAMILY_CHILD = f"{FAMILY_NUMBER}-1"  # TOTO, the demo family's only child

STAFF_EMAIL = DEMO_STAFF["email"]
STAFF_PASSWORD = DEMO_STAFF["password"]

# (login, password) pairs, for ``api.login(*FAMILY)``.
FAMILY = (FAMILY_NUMBER, FAMILY_PASSWORD)
ADMIN = (STAFF_EMAIL, STAFF_PASSWORD)

# The password a new account chooses in place of its temporary one.
NEW_PASSWORD = "une phrase assez longue"
