"""When each scheduled function runs, as the fields of Chalice's ``Cron`` (minutes, hours,
day of month, month, day of week, year), in UTC as EventBridge reads them.

Values only, no import: ``app.py`` wires them and the monthly bill model
(``scripts/bench/bench_bill.py``) counts the runs they make.
"""
from __future__ import annotations

# Every 15 minutes: whatever the commune's Europe/Paris deadline (17:00 is 16:00 UTC in
# winter, 15:00 UTC in summer) the lock follows it within a quarter of an hour.
LOCK = ("0/15", "*", "*", "*", "?", "*")
# 04:00 UTC (05:00 or 06:00 in Paris) on the 1st to the 5th: the run is idempotent, so
# the later days only finish what an earlier run could not (a crash, a throttled table).
INVOICE = ("0", "4", "1-5", "*", "?", "*")
# Every 30 minutes: PayFip payments whose notification never came are asked for.
PAYMENTS = ("5/30", "*", "*", "*", "?", "*")
# Every hour at :10: a family is reminded within the hour its commune's delay opens (the
# once-only marker makes any number of runs send one e-mail per family and deadline).
REMINDERS = ("10", "*", "*", "*", "?", "*")

# 02:30 UTC (03:30 or 04:30 in Paris) every night: the families whose last child left
# more than the retention ago are anonymised, away from the lock's busy quarter-hours and
# from the invoice run. Daily is enough for a retention counted in months; a run that
# stops early (or finds a family being edited) leaves the rest to the next night.
PURGE = ("30", "2", "*", "*", "?", "*")

# By the job module's name (chalicelib/jobs/<name>.py).
SCHEDULES = {"lock": LOCK, "invoice": INVOICE, "payments": PAYMENTS,
             "reminders": REMINDERS, "purge": PURGE}
