"""Status changes as compare-and-set updates through an explicit transition table (STYLE.md §3).

Kafkas, clusters and promotions each declare a ``StateMachine``: the table of allowed
changes and the field that holds the state. ``change`` refuses a change the table does
not allow (``InvalidTransition``) and writes the new state only if the row still holds
the state it was read in: one ``UPDATE ... WHERE <field> = <old>``. When another worker
got there first the UPDATE matches no row, nothing is written and ``StaleState`` is
raised, so the caller re-reads instead of overwriting a newer decision.

History rows (who moved what, when and why) belong to each app's model; the app's
service writes its row in the same transaction as the change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet


class InvalidTransition(Exception):
    """The transition table does not allow this change."""

    def __init__(self, machine: str, pk: Any, from_state: str, to_state: str) -> None:
        super().__init__(
            f"{machine} {pk}: {from_state or '(none)'} -> {to_state or '(none)'} is not an allowed transition"
        )
        self.from_state = from_state
        self.to_state = to_state


class StaleState(Exception):
    """Another worker changed the row first; re-read it before deciding again."""

    def __init__(self, machine: str, pk: Any, expected: str) -> None:
        super().__init__(f"{machine} {pk} is no longer {expected or '(none)'}")
        self.expected = expected


@dataclass(frozen=True, slots=True)
class StateMachine:
    """The allowed changes of one state field: ``transitions[from]`` is the set of states it may go to."""

    name: str
    transitions: Mapping[str, frozenset[str]]
    field: str = "status"

    def allows(self, from_state: str, to_state: str) -> bool:
        return to_state in self.transitions.get(from_state, frozenset())

    def check(self, pk: Any, from_state: str, to_state: str) -> None:
        if not self.allows(from_state, to_state):
            raise InvalidTransition(self.name, pk, from_state, to_state)

    def change(self, rows: QuerySet, *, pk: Any, from_state: str, to_state: str, **fields: Any) -> None:
        """Set the state of row ``pk`` of ``rows`` from ``from_state`` to ``to_state``, with ``fields``.

        ``rows`` may carry further conditions (a promotion also requires the Kafka's status);
        when any of them no longer holds, ``StaleState`` is raised and nothing is written.
        """
        self.check(pk, from_state, to_state)
        updated = rows.filter(pk=pk, **{self.field: from_state}).update(**{self.field: to_state}, **fields)
        if updated != 1:
            raise StaleState(self.name, pk, from_state)
