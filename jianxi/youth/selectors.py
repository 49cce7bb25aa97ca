"""Reads about young people."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from jianxi.core.hooks import Hooks
from jianxi.policy import engine
from jianxi.policy.services import eligibility_check
from jianxi.youth.models import Person


def person_facts(person: Person) -> engine.PersonFacts:
    """The registry's facts about a person, as the policy engine takes them (R-EL-1…4)."""
    return engine.PersonFacts(
        birth_date=person.birth_date,
        group=person.group,  # type: ignore[arg-type]
        beijing_origin=person.beijing_origin,
        beijing_hukou=person.beijing_hukou,
        graduation_date=person.graduation_date,
        employed=person.employed,
        registered_unemployed=person.registered_unemployed,
        transfer_registered=person.transfer_registered,
    )


def person_eligibility(person: Person, on: date) -> engine.Eligibility:
    """Eligibility on ``on``, with every failed condition; re-checked on an agreement's start date."""
    return eligibility_check(facts=person_facts(person), on=on)


# The registry app (above youth) registers how each eligibility fact of a person stands against
# the registry extracts (R-EL-7): verified, contradicted or self-declared, with source and date.
fact_verdicts: Hooks[Callable[[Person, date], Sequence[Any]]] = Hooks("a person's facts against the registries")


def person_fact_verdicts(person: Person, today: date) -> list[Any]:
    found: list[Any] = []
    for hook in fact_verdicts:
        found.extend(hook(person, today))
    return found
