"""Pure rules: values in, values out. May import the standard library, ``zoneinfo``,
``holidays``, ``vacances_scolaires_france``, ``zxcvbn``'s lists and ``defusedxml`` (files
from outside) — never chalice, boto3 or pynamodb, and never the current time (``now`` is
always a parameter)."""
