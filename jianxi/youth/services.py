"""Youth registry operations."""

from __future__ import annotations

from typing import Any

from jianxi.youth.models import IdNumberReveal, Person


def id_number_reveal(*, person: Person, viewer: Any, purpose: str, ip_address: str | None) -> str:
    """Show an officer the full ID number, and record that they saw it (docs/rules.md, "Identifiers")."""
    IdNumberReveal.objects.create(person=person, viewer=viewer, purpose=purpose, ip_address=ip_address)
    return person.id_number
