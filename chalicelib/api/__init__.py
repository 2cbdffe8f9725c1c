"""HTTP: one blueprint per audience, one place for access rules and error mapping.
May import ``services``, ``domain``, ``settings`` and ``wiring``; views stay thin."""
