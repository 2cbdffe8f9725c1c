"""Scheduled functions (weekly lock, invoice run, payment reconciliation). May import
``services``, ``settings`` and ``wiring``; never chalice views."""
