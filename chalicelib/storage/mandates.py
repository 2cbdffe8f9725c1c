"""Direct-debit mandates: one item per mandate, partitioned by family (table ``mandates``).

Access patterns (docs/data.md):
- ``of_family``: Query ``family = :f`` — the family's mandates, oldest first (the RUM ends
  with the mandate's rank); the current one is the last.
- ``active``: Query of the ``by_status`` index, ``status = active`` — the month's
  confirmation schedules a debit for each, in one paginated read, never a Scan.
- ``create``: PutItem on condition the RUM is new — a double click signs once.
- ``save``: PutItem on condition the version read is still the stored one (suspend,
  revoke, reject, a new account, a debit's sequence).
"""
from __future__ import annotations

from datetime import date

from pynamodb.exceptions import PutError

from chalicelib.domain.sepa import ACTIVE, Account, Mandate
from chalicelib.storage.models import MandateModel


class MandateMoved(Exception):
    """The mandate changed (or was created) since it was read."""


def _account(data: object) -> Account | None:
    if not isinstance(data, dict):
        return None
    return Account(str(data["iban"]), str(data["bic"]))


def mandate_of(item: MandateModel) -> Mandate:
    return Mandate(
        family=item.family, rum=item.rum, holder=item.holder,
        account=Account(item.iban, item.bic), status=item.status,
        signed_on=date.fromisoformat(item.signed_on), channel=item.channel,
        text_version=item.text_version, signed_by=item.signed_by, signed_at=item.signed_at,
        collected=bool(item.collected), amended_from=_account(item.amended_from),
        rejects=int(item.rejects or 0), status_reason=item.status_reason or "",
        updated_at=item.updated_at, version=item.version)


def _item(m: Mandate) -> MandateModel:
    item = MandateModel(
        m.family, m.rum, holder=m.holder, iban=m.account.iban, bic=m.account.bic,
        status=m.status, signed_on=m.signed_on.isoformat(), signed_at=m.signed_at,
        channel=m.channel, text_version=m.text_version, signed_by=m.signed_by,
        collected=m.collected,
        amended_from=({"iban": m.amended_from.iban, "bic": m.amended_from.bic}
                      if m.amended_from else None),
        rejects=m.rejects, status_reason=m.status_reason, updated_at=m.updated_at)
    if m.version is not None:
        item.version = m.version
    return item


class MandateRepository:
    """Reads and writes the families' mandates."""

    def of_family(self, family: str) -> list[Mandate]:
        """The family's mandates, oldest first (read consistently)."""
        return [mandate_of(i) for i in MandateModel.query(family, consistent_read=True)]

    def current(self, family: str) -> Mandate | None:
        """The family's latest mandate (revoked included), or None."""
        items = list(MandateModel.query(family, scan_index_forward=False, limit=1,
                                        consistent_read=True))
        return mandate_of(items[0]) if items else None

    def active(self) -> dict[str, Mandate]:
        """Every active mandate, by family."""
        return {i.family: mandate_of(i) for i in MandateModel.by_status.query(ACTIVE)}

    def create(self, mandate: Mandate) -> Mandate:
        """Store a new mandate; MandateMoved if its reference is taken."""
        item = _item(mandate)
        try:
            item.save(condition=MandateModel.rum.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                raise MandateMoved() from exc
            raise
        return mandate_of(item)

    def save(self, mandate: Mandate) -> Mandate:
        """Store a mandate read at ``mandate.version``; MandateMoved if it changed since."""
        item = _item(mandate)
        try:
            item.save()  # the VersionAttribute makes this conditional on the version read
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                raise MandateMoved() from exc
            raise
        return mandate_of(item)
