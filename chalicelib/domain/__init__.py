"""Pure rules: values in, values out. May import the standard library, ``zoneinfo``,
``holidays``, ``vacances_scolaires_france``, ``zxcvbn``'s lists, ``defusedxml`` (files
from outside), ``schwifty`` (IBAN and BIC, imported where a form is checked) and
``sepaxml`` / ``text_unidecode`` (the debit file) — never chalice, boto3 or pynamodb, and
never the current time (``now`` is always a parameter)."""
