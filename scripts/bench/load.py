"""Load and concurrency scenarios against a running local stack (``make run``).

Each scenario drives the API over HTTP from many threads at once and returns its figures;
``tests/load`` asserts what they must show, and ``make bench`` prints them. The local
stack serves the API from several worker processes, each one request at a time like a
Lambda container, with moto's server as DynamoDB: concurrent requests meet there.
"""
from __future__ import annotations

import json
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar


class Caller:
    """One browser's worth of API calls: keeps its session cookie (and its device cookie,
    sent to sign-in, as a browser does), times each answer."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.cookie: str | None = None
        self.device: str | None = None

    def call(self, method: str, path: str, body: object = None,
             timeout: float = 120) -> Answer:
        import http.client
        import urllib.parse
        parts = urllib.parse.urlsplit(self.url)
        connection = http.client.HTTPConnection(parts.netloc, timeout=timeout)
        headers = {"Accept": "application/json"}
        payload = None
        if method not in ("GET", "HEAD"):
            headers["Content-Type"] = "application/json"  # every write, even an empty one
        if body is not None:
            payload = json.dumps(body).encode()
        cookies = [c for c in (self.cookie, self.device if path == "/auth/login" else None)
                   if c]
        if cookies:
            headers["Cookie"] = "; ".join(cookies)
        start = time.perf_counter()
        try:
            connection.request(method, "/api" + path, body=payload, headers=headers)
            reply = connection.getresponse()
            raw = reply.read()
            seconds = time.perf_counter() - start
            set_cookies = reply.headers.get_all("Set-Cookie") or []
            for cookie in set_cookies:
                value = cookie.split(";", 1)[0]
                name, _, content = value.partition("=")
                if name == "cantine_session":
                    self.cookie = value if content else None
                elif name == "cantine_device":
                    self.device = value if content else None
            session = next((c for c in set_cookies if c.startswith("cantine_session=")), None)
            return Answer(reply.status, dict(reply.getheaders()), raw, seconds, session)
        finally:
            connection.close()

    def sign_in(self, login: str, password: str) -> Answer:
        return self.call("POST", "/auth/login", {"login": login, "password": password})


class Answer:
    def __init__(self, status: int, headers: dict[str, str], raw: bytes, seconds: float,
                 set_cookie: str | None) -> None:
        self.status = status
        self.headers = headers
        self.raw = raw
        self.seconds = seconds
        self.set_cookie = set_cookie

    def json(self):
        return json.loads(self.raw) if self.raw else None

    def __repr__(self) -> str:
        return f"<{self.status} {self.raw[:200]!r}>"


def percentiles(seconds: list[float]) -> dict[str, float]:
    """Median, 95th percentile and worst, in milliseconds."""
    ordered = sorted(seconds)
    if not ordered:
        return {"p50_ms": 0.0, "p95_ms": 0.0, "max_ms": 0.0}
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"p50_ms": round(statistics.median(ordered) * 1000, 1),
            "p95_ms": round(p95 * 1000, 1), "max_ms": round(ordered[-1] * 1000, 1)}


T = TypeVar("T")


def all_at_once(tasks: list[Callable[[], T]]) -> tuple[list[T], float]:
    """Run every task in its own thread, released together; (results, wall seconds)."""
    barrier = threading.Barrier(len(tasks))

    def run(task: Callable[[], T]) -> T:
        barrier.wait()
        return task()

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(tasks)) as pool:
        results = list(pool.map(run, tasks))
    return results, time.perf_counter() - start


# -- accounts ------------------------------------------------------------------------------
STAFF = ("mairie@example.org", "demo-mairie-2026")
FAMILY = ("1001", "demo-famille-2026")


def create_families(url: str, count: int, staff: tuple[str, str] = STAFF) -> list[tuple[str, str]]:
    """Open ``count`` families through the staff API; (number, temporary password) each,
    read back from the welcome e-mails in the local SES."""
    import re
    import uuid
    batch = uuid.uuid4().hex[:8]  # fresh addresses at each call: they must be unique
    admin = Caller(url)
    answer = admin.sign_in(*staff)
    assert answer.status == 200, answer

    def create(i: int) -> str:
        reply = admin.call("POST", "/staff/families", {
            "name": f"CHARGE{i:04d}", "emails": [f"charge-{batch}-{i:04d}@example.org"],
            "phones": ["06 12 34 56 78"], "address": f"{i} rue des Écoles"})
        assert reply.status == 201, reply
        return reply.json()["number"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = list(pool.map(create, range(count)))
    mails = Caller(url).call("GET", "/dev/outbox").json()
    passwords: dict[str, str] = {}
    for mail in mails:
        number = re.search(r"^Identifiant : (\S+)$", mail["text"], re.M)
        password = re.search(r"^Mot de passe provisoire : (\S+)$", mail["text"], re.M)
        if number and password:
            passwords.setdefault(number.group(1), password.group(1))
    return [(n, passwords[n]) for n in numbers]


# -- scenarios -----------------------------------------------------------------------------
def parallel_savers(url: str, savers: int = 20, child: str = "1001-1", month: str = "2026-12",
                    login: tuple[str, str] = FAMILY, retries: int = 5) -> dict[str, Any]:
    """``savers`` parents, each signed in on its own, save one change each to the same
    child at the same instant; three changes land on each day, so their writes collide.
    A parent told 409 (changed elsewhere) saves again, as the page asks. Returns the
    figures and the changes missing at the end (an update lost)."""
    first = Caller(url)
    assert first.sign_in(*login).status == 200
    grid = first.call("GET", f"/children/{child}/calendar?month={month}").json()
    cells = [(day["date"], code) for day in grid["days"]
             for code, cell in sorted(day["services"].items())
             if cell["editable"] and not cell["booked"]]
    if len(cells) < savers:
        raise RuntimeError(f"only {len(cells)} open checkboxes in {month}")
    cells = cells[:savers]
    parents = [Caller(url) for _ in cells]
    # Signed in four at a time: more tries in flight for one login than the free failures
    # are held back (429) until the first ones end, which is not what this scenario tests.
    for start in range(0, len(parents), 4):
        signed, _ = all_at_once([partial(p.sign_in, *login) for p in parents[start:start + 4]])
        assert all(a.status == 200 for a in signed), signed

    def save(parent: Caller, cell: tuple[str, str]) -> tuple[list[int], list[float]]:
        statuses, seconds = [], []
        for _ in range(retries + 1):
            answer = parent.call("PUT", f"/children/{child}/bookings", {
                "changes": [{"date": cell[0], "service": cell[1], "booked": True}]})
            statuses.append(answer.status)
            seconds.append(answer.seconds)
            if answer.status != 409:
                break
        return statuses, seconds

    results, wall = all_at_once([partial(save, p, c) for p, c in zip(parents, cells, strict=True)])
    after = first.call("GET", f"/children/{child}/calendar?month={month}").json()
    booked = {(day["date"], code) for day in after["days"]
              for code, cell in day["services"].items() if cell["booked"]}
    statuses = Counter(s for r in results for s in r[0])
    return {
        "scenario": f"{savers} parents save the same child at once",
        "savers": savers, "days": len({c[0] for c in cells}),
        "answers": dict(statuses), "saved": sum(1 for r in results if r[0][-1] == 200),
        "asked_again_after_409": sum(1 for r in results if len(r[0]) > 1),
        "lost": sorted(set(cells) - booked), "wall_s": round(wall, 2),
        **percentiles([s for r in results for s in r[1]]),
    }


def deadline_families(url: str, count: int, staff: tuple[str, str] = STAFF
                      ) -> list[tuple[str, str, str]]:
    """``count`` families ready to book, as before a deadline: each with a child and a
    password of its own (the temporary one changed); (number, password, child) each."""
    import uuid
    admin = Caller(url)
    assert admin.sign_in(*staff).status == 200
    opened = create_families(url, count, staff)

    def prepare(index_and_account: tuple[int, tuple[str, str]]) -> tuple[str, str, str]:
        index, (number, temporary) = index_and_account
        reply = admin.call("POST", f"/staff/families/{number}/children",
                           {"first_name": f"Enfant{index}", "last_name": f"CHARGE{index:04d}"})
        assert reply.status == 201, reply
        family = Caller(url)
        assert family.sign_in(number, temporary).status == 200
        password = f"pic-{uuid.uuid4().hex[:10]}-cantine-du-jeudi"
        changed = family.call("POST", "/auth/password/change", {
            "current_password": temporary, "password": password})
        assert changed.status == 204, changed
        return number, password, reply.json()["id"]

    # Four at a time: each sign-in and password change is paced (0.5 s) and hashed.
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(prepare, enumerate(opened)))


def deadline_peak(url: str, families: list[tuple[str, str, str]], window_s: float = 20.0,
                  seed: int = 7) -> dict[str, Any]:
    """The last minutes before the weekly deadline: every family arrives at a random
    moment of ``window_s`` (the ten real minutes, compressed), signs in, opens the
    booking grid (one call), books the next open week (meal and evening care each school
    day) in one save, and opens the grid again to check. Returns the answer times by
    call, the answers, and the saves lost or refused by an error (both must be none)."""
    import random
    rng = random.Random(seed)
    offsets = sorted(rng.uniform(0, window_s) for _ in families)
    started = time.perf_counter()
    times: dict[str, list[float]] = {"sign_in": [], "grid": [], "save": [], "reload": []}
    statuses: Counter = Counter()
    lost: list[str] = []
    errors: list[str] = []
    lock = threading.Lock()

    def visit(family: tuple[str, str, str], offset: float) -> None:
        number, password, child = family
        time.sleep(max(0.0, started + offset - time.perf_counter()))
        caller = Caller(url)
        steps: list[tuple[str, Answer]] = [("sign_in", caller.sign_in(number, password))]
        grid = caller.call("GET", f"/children/{child}/calendar")
        steps.append(("grid", grid))
        changes = []
        if grid.status == 200:
            week: list[str] = []
            for day in grid.json()["days"]:
                cells = day["services"]
                if any(c["editable"] for c in cells.values()):
                    week.append(day["date"])
                    changes += [{"date": day["date"], "service": code, "booked": True}
                                for code in ("meal", "care_evening")
                                if cells.get(code, {}).get("editable")]
                if len(week) == 4:
                    break
        saved = caller.call("PUT", f"/children/{child}/bookings", {"changes": changes})
        steps.append(("save", saved))
        again = caller.call("GET", f"/children/{child}/calendar")
        steps.append(("reload", again))
        with lock:
            for kind, answer in steps:
                times[kind].append(answer.seconds)
                statuses[answer.status] += 1
                if answer.status >= 500 or answer.status in (0, 409, 429):
                    errors.append(f"{number} {kind}: {answer.status}")
            if again.status == 200:
                booked = {(d["date"], code) for d in again.json()["days"]
                          for code, cell in d["services"].items() if cell["booked"]}
                missing = [c for c in changes if (c["date"], c["service"]) not in booked]
                if missing or not changes:
                    lost.append(f"{number}: {len(missing)} of {len(changes)} missing")

    with ThreadPoolExecutor(max_workers=len(families)) as pool:
        list(pool.map(visit, families, offsets))
    wall = time.perf_counter() - started
    return {
        "scenario": f"{len(families)} families before the deadline, within {window_s:.0f} s",
        "families": len(families), "window_s": window_s, "wall_s": round(wall, 2),
        "answers": dict(sorted(statuses.items())), "lost": lost, "errors": errors,
        "by_call": {kind: {"calls": len(values), **percentiles(values)}
                    for kind, values in times.items()},
        **percentiles([t for values in times.values() for t in values]),
    }


def parallel_sign_ins(url: str, accounts: list[tuple[str, str]], per_account: int = 5,
                      strangers: int = 0) -> dict[str, Any]:
    """Every account signs in ``per_account`` times at once, and ``strangers`` unknown
    logins try too. Each answer is checked: a session that names the right family, or the
    refusal for unknown logins."""
    tries: list[tuple[str, str, bool]] = [(login, password, True) for login, password
                                          in accounts for _ in range(per_account)]
    tries += [(f"{900000 + i}", "pas-le-bon-mot-de-passe", False) for i in range(strangers)]
    callers = [Caller(url) for _ in tries]
    answers, wall = all_at_once([partial(c.sign_in, t[0], t[1])
                                 for c, t in zip(callers, tries, strict=True)])
    wrong = []
    for caller, (login, _, known), answer in zip(callers, tries, answers, strict=False):
        if known:
            if answer.status != 200:
                wrong.append((login, answer.status))
                continue
            me = caller.call("GET", "/auth/me")
            if me.status != 200 or me.json().get("family_number") != login:
                wrong.append((login, answer.status))
        elif answer.status != 401 or answer.json()["error"]["code"] != "invalid_credentials":
            wrong.append((login, answer.status))
    return {"scenario": f"{len(tries)} sign-ins at once", "sign_ins": len(tries),
            "answers": dict(Counter(a.status for a in answers)),
            "wrong_answers": wrong, "distinct_sessions": len({c.cookie for c in callers
                                                              if c.cookie}),
            "wall_s": round(wall, 2), **percentiles([a.seconds for a in answers])}


def burst(url: str, login: str, password: str, tries: int = 30) -> dict[str, Any]:
    """``tries`` wrong passwords for one login at the same instant, then the right one
    from a new browser, and from the browser the family signed in with before the burst
    (its device cookie)."""
    family = Caller(url)
    signed = family.sign_in(login, password)
    assert signed.status == 200 and family.device, signed
    family.call("POST", "/auth/logout")
    callers = [Caller(url) for _ in range(tries)]
    answers, wall = all_at_once([partial(c.sign_in, login, "mauvais-" + password)
                                 for c in callers])
    after = Caller(url).sign_in(login, password)
    own_device = family.sign_in(login, password)
    return {"scenario": f"{tries} wrong passwords at once for one login",
            "answers": dict(Counter(a.status for a in answers)),
            "passwords_checked": sum(1 for a in answers if a.status == 401),
            "right_password_after": after.status,
            "right_password_from_the_familys_device": own_device.status,
            "retry_after_seconds": (after.json() or {}).get("error", {}).get(
                "details", {}).get("retry_after_seconds"),
            "wall_s": round(wall, 2)}


def paired_timings(first: Callable[[], Answer], second: Callable[[], Answer],
                   rounds: int) -> dict[str, Any]:
    """Alternate two calls ``rounds`` times each; their answers and median times."""
    a_answers, b_answers = [], []
    for _ in range(rounds):
        a_answers.append(first())
        b_answers.append(second())
    a_median = statistics.median(a.seconds for a in a_answers)
    b_median = statistics.median(b.seconds for b in b_answers)
    return {"statuses": (sorted({a.status for a in a_answers}),
                         sorted({b.status for b in b_answers})),
            "bodies": ({a.raw for a in a_answers}, {b.raw for b in b_answers}),
            "median_ms": (round(a_median * 1000, 1), round(b_median * 1000, 1)),
            "difference_ms": round(abs(a_median - b_median) * 1000, 1)}
