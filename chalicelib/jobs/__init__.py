"""Scheduled functions (weekly lock, invoice run, payment reconciliation, reminders, the
nightly purge of personal data). May import
``services``, ``settings`` and ``wiring``; never chalice views."""
