"""Documents the portal prints for families: invoices (PDF).

Pure rendering code: no AWS, no storage, no web framework. Callers build the plain
dataclasses from their own records and get bytes back.
"""
