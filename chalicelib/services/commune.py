"""The commune's settings and closures, as staff keep them."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from chalicelib.domain.calendar import parse_closure
from chalicelib.domain.commune import CommuneSettings, default_settings, parse_settings
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.storage.commune import CommuneRepository


class CommuneService:
    """The commune's settings and closures."""

    def __init__(self, repository: CommuneRepository) -> None:
        self._repository = repository

    def get(self) -> CommuneSettings:
        """Stored settings, or the defaults before the commune has saved any.

        A request signed in as a family already holds them (read with the family in one
        round trip): its views hand them to the services, which then read nothing."""
        return self._repository.get() or default_settings()

    def initialize(self, settings: CommuneSettings) -> bool:
        """Store first settings unless the commune has some; returns whether it stored."""
        if self._repository.get() is not None:
            return False
        self._repository.save(settings)
        return True

    def update(self, data: dict[str, Any], year: int | None = None) -> CommuneSettings:
        """Apply a staff edit; a stale ``version`` is refused with a conflict. ``year`` is
        the budget year of the edit (today's, in Paris): a roll number typed applies to it."""
        current = self.get()
        expected = data.get("version", current.version)
        if expected != current.version:
            raise Conflict("Les paramètres ont été modifiés entre-temps. "
                           "Rechargez la page et recommencez.")
        return self._repository.save(parse_settings(data, current, year))

    def add_closure(self, data: dict[str, Any]) -> dict[str, Any]:
        """Add a closure (strike, "pont", school trip); returns it with its new id."""
        current = self.get()
        number = self._repository.next_closure_number()
        closure = parse_closure(data, closure_id=f"f{number}")
        self._repository.save(replace(current, closures=current.closures + (closure,)),
                              next_closure=number + 1)
        return {"id": closure.id, "start": closure.start.isoformat(),
                "end": closure.end.isoformat(), "label": closure.label}

    def delete_closure(self, closure_id: str) -> None:
        """Remove a closure; an unknown id is NotFound."""
        current = self.get()
        kept = tuple(c for c in current.closures if c.id != closure_id)
        if len(kept) == len(current.closures):
            raise NotFound()
        self._repository.save(replace(current, closures=kept))
