"""Reconcile's scope: ``--entity``, ``--location`` and ``--customer``, applied to both sides alike.

A document is in scope by what it posts to (expected side: its posting; Intacct side: the
document as read). Entities come from the document, or at the top level from the entity that
owns each line's location (per the mapping). An OfficeRnD document that cannot be built is in
scope when what can be resolved of it (customer, header location) says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from orsync.engine import LocationTarget, Posting, SourceDocument
from orsync.engine.model import ActualDocument
from orsync.errors import RecordError
from orsync.services.mapping import MappingResolver
from orsync.services.reconcile.sources import Built


@dataclass(frozen=True)
class ScopeRequest:
    entity: str | None
    location: str | None
    customer: str | None

    @property
    def filtered(self) -> bool:
        return any((self.entity, self.location, self.customer))


def entity_of_location(resolver: MappingResolver) -> dict[str, str]:
    """Intacct location -> entity, from the mapping (used for top-level totals and --entity)."""
    out: dict[str, str] = {}
    for location_id in resolver.reference.locations:
        target = resolver.location_target(location_id)
        if isinstance(target, LocationTarget) and target.entity_id:
            out.setdefault(target.location_id, target.entity_id)
    return out


def intacct_location(value: str | None, resolver: MappingResolver) -> str | None:
    """An Intacct location id for ``--location``: as given, or mapped from OfficeRnD's."""
    if value is None:
        return None
    wanted = value.casefold()
    for location_id, location in resolver.reference.locations.items():
        names = {location_id, getattr(location, "code", None), getattr(location, "name", None)}
        if any(n is not None and str(n).casefold() == wanted for n in names):
            target = resolver.location_target(location_id)
            if isinstance(target, LocationTarget):
                return target.location_id
    return value


@dataclass(frozen=True)
class Scope:
    request: ScopeRequest
    location: str | None
    entity_of_location: Mapping[str, str]

    def _entities(self, entity_id: str | None, locations: Iterable[str | None]) -> set[str]:
        if entity_id is not None:
            return {entity_id}
        return {self.entity_of_location.get(loc or "", "") for loc in locations} - {""}

    def actual(self, doc: ActualDocument) -> bool:
        request = self.request
        if request.customer is not None and doc.customer_id != request.customer:
            return False
        locations = [line.location_id for line in doc.lines]
        if self.location is not None and self.location not in locations:
            return False
        return request.entity is None or request.entity in self._entities(doc.entity_id, locations)

    def expected(self, doc: SourceDocument, built: Built, resolver: MappingResolver) -> bool:
        request = self.request
        if not request.filtered:
            return True
        if not isinstance(built, Posting):
            return _unbuilt_in_scope(self, doc, resolver)
        if request.customer is not None and built.customer_id != request.customer:
            return False
        locations = [line.location_id for line in built.lines]
        if self.location is not None and self.location not in locations:
            return False
        return request.entity is None or request.entity in self._entities(
            built.entity_id, locations
        )


def _unbuilt_in_scope(scope: Scope, doc: SourceDocument, resolver: MappingResolver) -> bool:
    """A document that cannot be built is in scope when what can be resolved of it says so."""
    request = scope.request
    if request.customer is not None:
        try:
            if resolver.customer_id_of(doc.customer) != request.customer:
                return False
        except RecordError:
            return False
    if request.location is None and request.entity is None:
        return True
    target = resolver.location_target(doc.location_id)
    if not isinstance(target, LocationTarget):
        return False
    if scope.location is not None and target.location_id != scope.location:
        return False
    entity = target.entity_id or scope.entity_of_location.get(target.location_id)
    return request.entity is None or entity == request.entity
