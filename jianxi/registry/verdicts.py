"""The verdict on each eligibility fact of a person: verified, contradicted or self-declared (R-EL-7).

A fact a person declared (北京生源, 本市户籍, 毕业日期/学历, 未就业, 登记失业, 转移就业登记) is
compared with the registry records loaded for the person's district (or city-wide): the latest
record of the source decides a fact that does not change with time; the records covering the
reference date (the internship's start) decide the dated ones. No record: the fact stays
self-declared. Which facts count for a person is their group's rule (R-EL-1…4, with the city's
switches); a contradicted one of those makes the internship not subsidy-eligible, and the policy
data (``VerificationPolicy``) may require some to be verified before a claim is approved.

Pure over the records handed in; ``verdicts_for_many`` fetches them in one query.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext

from jianxi.core.hooks import Hooks
from jianxi.policy import engine
from jianxi.policy.selectors import engine_policy
from jianxi.registry.models import Record, Source, Verdict, VerificationPolicy
from jianxi.youth.imports import _labels
from jianxi.youth.models import Education, Group, Person

ORIGIN, HUKOU, GRADUATION, NOT_EMPLOYED, UNEMPLOYMENT, TRANSFER = (
    "origin", "hukou", "graduation", "not_employed", "unemployment", "transfer",
)  # fmt: skip
FACTS: dict[str, tuple[str, Source]] = {
    ORIGIN: ("北京生源", Source.GRADUATE),
    HUKOU: ("本市户籍", Source.HUKOU),
    GRADUATION: ("毕业日期、学历", Source.GRADUATE),
    NOT_EMPLOYED: ("未就业", Source.INSURANCE),
    UNEMPLOYMENT: ("登记失业", Source.UNEMPLOYMENT),
    TRANSFER: ("转移就业登记", Source.TRANSFER),
}
# The VerificationPolicy switch of each fact.
REQUIRED_FIELD = {
    ORIGIN: "require_origin",
    HUKOU: "require_hukou",
    GRADUATION: "require_graduation",
    NOT_EMPLOYED: "require_not_employed",
    UNEMPLOYMENT: "require_unemployment",
    TRANSFER: "require_transfer",
}

# Where a person's reference date comes from: placements registers the start of the person's
# latest internship (not voided); without one, the day asked about.
reference_dates: Hooks[Callable[[Sequence[int]], dict[int, date]]] = Hooks("a person's internship start")


@dataclass(frozen=True)
class FactVerdict:
    fact: str
    label: str
    relied: bool  # the person's eligibility rule rests on this fact
    verdict: str  # a Verdict value
    declared: str  # what the person declared
    found: str  # what the registry says ("" when nothing was found)
    source: str  # the source's label
    load_id: int | None = None
    loaded_on: date | None = None

    @property
    def verdict_label(self) -> str:
        return str(Verdict(self.verdict).label)

    @property
    def where(self) -> str:
        if self.load_id is None:
            return ""
        return f"{self.source} LD-{self.load_id}（{self.loaded_on}）"


def _yes(value: bool | None) -> str:
    return "是" if value else "否"


def relied_facts(group: str, policy: engine.Policy) -> list[str]:
    """The facts the group's rule rests on (R-EL-1…4 with the city's switches)."""
    if group == Group.COLLEGE_GRADUATE:
        return [ORIGIN, GRADUATION, NOT_EMPLOYED]
    if group in (Group.SECONDARY_VOCATIONAL_GRADUATE, Group.TECHNICIAN_GRADUATE):
        return ([ORIGIN] if policy.vocational_requires_origin else []) + [GRADUATION, NOT_EMPLOYED]
    if group == Group.UNEMPLOYED_YOUTH:
        return [HUKOU, UNEMPLOYMENT, NOT_EMPLOYED]
    return [TRANSFER, NOT_EMPLOYED] + ([HUKOU] if policy.rural_requires_hukou_and_age else [])


def _latest(records: Iterable[Record]) -> Record | None:
    return max(records, key=lambda r: (r.load.loaded_at, r.pk), default=None)


def _covers(record: Record, on: date) -> bool:
    return record.start is not None and record.start <= on and (record.end is None or record.end >= on)


def _period(record: Record) -> str:
    return f"{record.start} 至 {record.end or '今'}"


def _verdict(
    fact: str, relied: bool, verdict: str, declared: str, found: str = "", record: Record | None = None
) -> FactVerdict:
    label, source = FACTS[fact]
    return FactVerdict(
        fact=fact,
        label=label,
        relied=relied,
        verdict=verdict,
        declared=declared,
        found=found,
        source=str(source.label),
        load_id=record.load_id if record else None,
        loaded_on=record.load.loaded_at.date() if record else None,
    )


def person_fact_verdicts(
    person: Person, records: Sequence[Record], on: date, policy: engine.Policy
) -> list[FactVerdict]:
    """Every fact's verdict for ``person`` on ``on`` from ``records`` (theirs, in their scope)."""
    relied = set(relied_facts(person.group, policy))
    by_source: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        by_source[record.source].append(record)
    out: list[FactVerdict] = []
    education = _labels(Education)

    for fact, declared_value in ((ORIGIN, person.beijing_origin), (HUKOU, person.beijing_hukou)):
        latest = _latest(by_source[FACTS[fact][1]])
        if latest is None:
            out.append(_verdict(fact, fact in relied, Verdict.DECLARED, _yes(declared_value)))
        else:
            same = bool(latest.flag) == declared_value
            verdict = Verdict.VERIFIED if same else Verdict.CONTRADICTED
            out.append(_verdict(fact, fact in relied, verdict, _yes(declared_value), _yes(latest.flag), latest))

    graduated = person.graduation_date
    declared = f"{graduated or '—'} {education.get(person.education, '')}".strip()
    latest = _latest(by_source[Source.GRADUATE])
    if latest is None:
        out.append(_verdict(GRADUATION, GRADUATION in relied, Verdict.DECLARED, declared))
    else:
        found = f"{latest.graduation_date} {education.get(latest.education, '')} {latest.school}".strip()
        same = latest.graduation_date == graduated and (not person.education or latest.education == person.education)
        verdict = Verdict.VERIFIED if same else Verdict.CONTRADICTED
        out.append(_verdict(GRADUATION, GRADUATION in relied, verdict, declared, found, latest))

    insured = by_source[Source.INSURANCE]
    declared = "未就业" if not person.employed else "已就业"
    covering = [r for r in insured if _covers(r, on)]
    if covering:
        current = _latest(covering)
        assert current is not None
        found = f"{on} 在参保（单位 {current.employer_code}，{_period(current)}）"
        verdict = Verdict.CONTRADICTED if not person.employed else Verdict.VERIFIED
        out.append(_verdict(NOT_EMPLOYED, NOT_EMPLOYED in relied, verdict, declared, found, current))
    elif insured and not person.employed:
        found = f"{on} 无参保记录"
        out.append(_verdict(NOT_EMPLOYED, NOT_EMPLOYED in relied, Verdict.VERIFIED, declared, found, _latest(insured)))
    else:
        out.append(_verdict(NOT_EMPLOYED, NOT_EMPLOYED in relied, Verdict.DECLARED, declared))

    for fact, declared_flag in ((UNEMPLOYMENT, person.registered_unemployed), (TRANSFER, person.transfer_registered)):
        registered = by_source[FACTS[fact][1]]
        if not registered:
            out.append(_verdict(fact, fact in relied, Verdict.DECLARED, _yes(declared_flag)))
            continue
        covering = [r for r in registered if _covers(r, on)]
        shown = _latest(covering or registered)
        assert shown is not None
        found = f"{on} {'在登记期内' if covering else '不在登记期内'}（{_period(shown)}）"
        verdict = Verdict.VERIFIED if bool(covering) == declared_flag else Verdict.CONTRADICTED
        out.append(_verdict(fact, fact in relied, verdict, _yes(declared_flag), found, shown))

    order = list(FACTS)
    return sorted(out, key=lambda v: (not v.relied, order.index(v.fact)))


def records_of(persons: Sequence[Person]) -> dict[int, list[Record]]:
    """Each person's records in their scope (their district's loads and city-wide ones): one query."""
    if not persons:
        return {}
    by_number = {p.id_number: p for p in persons}
    found: dict[int, list[Record]] = defaultdict(list)
    records = Record.objects.filter(id_number__in=by_number).select_related("load").order_by("pk")
    for record in records:
        person = by_number[record.id_number]
        if record.district_id is None or record.district_id == person.district_id:
            found[person.pk].append(record)
    return found


def reference_dates_of(person_ids: Sequence[int]) -> dict[int, date]:
    dates: dict[int, date] = {}
    for hook in reference_dates:
        dates.update(hook(person_ids))
    return dates


def verdicts_for_many(pairs: Sequence[tuple[Person, date]]) -> list[list[FactVerdict]]:
    """The verdicts of many (person, reference date) pairs: one query for the records."""
    records = records_of([person for person, _ in pairs])
    return [person_fact_verdicts(person, records.get(person.pk, []), on, engine_policy(on)) for person, on in pairs]


def verdicts_for(person: Person, on: date) -> list[FactVerdict]:
    return verdicts_for_many([(person, on)])[0]


def person_verdicts(person: Person, today: date) -> list[FactVerdict]:
    """For the person's page: on the start of their latest internship, else today."""
    on = reference_dates_of([person.pk]).get(person.pk, today)
    return verdicts_for(person, on)


# --- what the verdicts mean for money (R-EL-7) -----------------------------------------------------


def _in_force(rows: Sequence[VerificationPolicy], on: date) -> VerificationPolicy:
    """The row in force on ``on`` (rows newest first); Beijing's default without one."""
    row = next((r for r in rows if r.effective_from <= on), None)
    return row or VerificationPolicy(effective_from=on, source_document="默认（无须核验，不符即不予核准）")


def verification_policy(on: date) -> VerificationPolicy:
    return _in_force(list(VerificationPolicy.objects.filter(effective_from__lte=on)), on)


def blocking_reasons(verdicts: Sequence[FactVerdict], policy: VerificationPolicy) -> list[engine.Reason]:
    """Why a subsidy resting on these verdicts may not be approved: a relied-on fact contradicted
    (while contradictions block) or not verified though the policy requires it."""
    reasons: list[engine.Reason] = []
    for v in verdicts:
        if not v.relied:
            continue
        if v.verdict == Verdict.CONTRADICTED and policy.contradictions_block:
            reasons.append(
                engine.Reason(
                    "R-EL-7.contradicted",
                    gettext(
                        "%(label)s与%(where)s比对数据不符：本人申报“%(declared)s”，"
                        "比对数据为“%(found)s”，不享受见习补贴（R-EL-7）"
                    )
                    % {"label": v.label, "where": v.where, "declared": v.declared, "found": v.found},
                )
            )
        elif v.verdict == Verdict.DECLARED and getattr(policy, REQUIRED_FIELD[v.fact]):
            reasons.append(
                engine.Reason(
                    "R-EL-7.unverified",
                    gettext(
                        "%(label)s为本人申报，尚未经%(source)s比对数据核验；现行政策要求核验后方可核准补贴（R-EL-7）"
                    )
                    % {"label": v.label, "source": v.source},
                )
            )
    return reasons


def subsidy_blocks(pairs: Sequence[tuple[Person, date]]) -> list[list[engine.Reason]]:
    """For each (person, internship start): the R-EL-7 reasons its subsidy may not be approved."""
    rows = list(VerificationPolicy.objects.all()) if pairs else []  # newest first (Meta.ordering)
    verdicts = verdicts_for_many(pairs)
    return [blocking_reasons(v, _in_force(rows, on)) for v, (_, on) in zip(verdicts, pairs, strict=True)]
