"""The canteen and after-school care portal.

Packages, inner to outer: ``domain`` (pure rules) <- ``storage`` (DynamoDB) and ``mail``
(SES) <- ``services`` (use cases) <- ``api`` (HTTP) and ``jobs`` (schedules).
``settings`` is the only reader of the environment.
"""
