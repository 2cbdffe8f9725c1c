"""Use cases shared by the API and the scheduled jobs. May import ``domain``, ``storage``,
``mail``, ``settings`` and ``clock``; never chalice."""
