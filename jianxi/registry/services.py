"""Loading a registry extract: checked whole, then loaded whole in one transaction, or refused.

``load_extract`` is the one write, for a file and for a system's batch alike:

1. the actor holds ``registry.load`` (a district officer for its district, the city officer
   city-wide);
2. the batch is looked up by its id (a file's id is the digest of its rows): the same batch
   again answers the first load and loads nothing; the same id with other rows is refused
   (``registry.batch_conflict``); the same file again is refused (``registry.duplicate``);
3. every row is checked by the source's adapter; one bad row refuses the whole extract — the
   refusal is recorded (a ``Load`` with status refused and every row error) and nothing else;
4. otherwise the load and its records are written in one transaction, and the verdicts it
   changes are listed for the persons' districts (``VerdictChange``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from jianxi.accounts.duties import Duty, require
from jianxi.accounts.models import Role, User
from jianxi.accounts.scoping import get_scoped
from jianxi.core import audit
from jianxi.core.errors import RuleError
from jianxi.core.imports import BATCH_SIZE, RowError, SheetRow, cell_text, check_rows
from jianxi.policy.selectors import engine_policy
from jianxi.registry.adapters import Adapter, Checked
from jianxi.registry.models import Channel, Load, LoadStatus, Record, VerdictChange
from jianxi.registry.verdicts import person_fact_verdicts, records_of, reference_dates_of
from jianxi.youth.models import Person

MAX_BATCH_ID = 64


@dataclass(frozen=True)
class Outcome:
    load: Load
    replayed: bool = False  # the same batch again: the first load's answer, nothing loaded


def authorise(actor: User) -> None:
    require(actor, Duty.REGISTRY_LOAD)
    if actor.role == Role.DISTRICT and not actor.district_id:
        raise RuleError("registry.district", _("账号尚未关联所在区，不能载入比对数据。"))


def scope_key(actor: User) -> str:
    return actor.district.code if actor.role == Role.DISTRICT and actor.district else "city"


def digest(rows: Sequence[SheetRow]) -> str:
    """The rows' content, whatever their order in the file or the batch's numbering."""
    canonical = sorted(json.dumps({k: cell_text(v) for k, v in r.values.items()}, sort_keys=True) for r in rows)
    return hashlib.sha256("\n".join(canonical).encode()).hexdigest()


def load_extract(
    *,
    actor: User,
    adapter: type[Adapter],
    rows: Sequence[SheetRow],
    channel: str,
    batch_id: str | None = None,
    file_name: str = "",
    today: date | None = None,
) -> Outcome:
    """Check and load one extract (see the module's docstring). A refused extract is recorded and
    returned with status refused; a duplicate file or a conflicting batch is a RuleError."""
    authorise(actor)
    today = today or timezone.localdate()
    content = digest(rows)
    key = (batch_id or "").strip() or f"file:{content[:40]}"
    if len(key) > MAX_BATCH_ID + 5:
        raise RuleError(
            "batch_id", _("批次号不能超过 %(max_batch_id)s 个字符。") % {"max_batch_id": MAX_BATCH_ID}, field="batch_id"
        )
    scope = scope_key(actor)
    earlier = _loaded(adapter, scope, key)
    if earlier is not None:
        return _again(earlier, content, channel)
    valid, errors = check_rows(rows, lambda row: adapter.check(row, today))
    load = _new_load(actor, adapter, channel=channel, key=key, content=content, file_name=file_name, rows=len(rows))
    if errors or not valid:
        load.status = LoadStatus.REFUSED
        load.rejected = [[e.row, e.column, e.message] for e in errors]
        load.save()
        return Outcome(load=load)
    try:
        with transaction.atomic():
            load.status, load.accepted = LoadStatus.LOADED, len(valid)
            load.save()
            _write(load, valid)
            load.changed_verdicts = _list_changes(load, today)
            load.save(update_fields=["changed_verdicts"])
    except IntegrityError:  # the same batch loaded at the same moment by another request
        earlier = _loaded(adapter, scope, key)
        if earlier is None:
            raise
        return _again(earlier, content, channel)
    return Outcome(load=load)


def _new_load(
    actor: User, adapter: type[Adapter], *, channel: str, key: str, content: str, file_name: str, rows: int
) -> Load:
    return Load(
        source=adapter.source,
        channel=channel,
        batch_id=key,
        digest=content,
        file_name=file_name[:255],
        district=actor.district if actor.role == Role.DISTRICT else None,
        scope_key=scope_key(actor),
        loaded_by=actor,
        rows=rows,
    )


def refuse_whole(
    *,
    actor: User,
    adapter: type[Adapter],
    channel: str,
    rows: int,
    message: str,
    batch_id: str | None = None,
    file_name: str = "",
) -> Load:
    """Record an extract refused as a whole (a column missing, a key unknown): nothing loaded."""
    authorise(actor)
    load = _new_load(
        actor, adapter, channel=channel, key=(batch_id or "file")[:80], content="", file_name=file_name, rows=rows
    )
    load.status, load.rejected = LoadStatus.REFUSED, [[1, "", message]]
    load.save()
    return load


def _loaded(adapter: type[Adapter], scope: str, key: str) -> Load | None:
    return Load.objects.filter(source=adapter.source, scope_key=scope, batch_id=key, status=LoadStatus.LOADED).first()


def _again(earlier: Load, content: str, channel: str) -> Outcome:
    when = f"{timezone.localtime(earlier.loaded_at):%Y-%m-%d %H:%M}"
    if channel == Channel.FILE:
        raise RuleError(
            "registry.duplicate",
            _("相同内容的文件已于 %(when)s 载入（LD-%(pk)s，%(file_name)s），不会重复载入。")
            % {"when": when, "pk": earlier.pk, "file_name": earlier.file_name},
            field="file",
        )
    if earlier.digest != content:
        raise RuleError(
            "registry.batch_conflict",
            _("批次号 %(batch_id)s 已于 %(when)s 载入（LD-%(pk)s），本次内容与之不同：请使用新的批次号。")
            % {"batch_id": earlier.batch_id, "when": when, "pk": earlier.pk},
            field="batch_id",
        )
    return Outcome(load=earlier, replayed=True)


def _write(load: Load, valid: Sequence[Checked]) -> None:
    records = [Record(load=load, source=load.source, district=load.district, **c.fields) for c in valid]
    Record.objects.bulk_create(records, batch_size=BATCH_SIZE)


def _list_changes(load: Load, today: date) -> int:
    """The verdicts this load changed, one ``VerdictChange`` per person and fact, for the district."""
    numbers = set(load.records.values_list("id_number", flat=True))
    persons = Person.objects.filter(id_number__in=numbers)
    if load.district_id is not None:
        persons = persons.filter(district_id=load.district_id)
    persons_list = list(persons)
    if not persons_list:
        return 0
    after = records_of(persons_list)
    starts = reference_dates_of([p.pk for p in persons_list])
    changes: list[VerdictChange] = []
    for person in persons_list:
        on = starts.get(person.pk, today)
        policy = engine_policy(on)
        now = after.get(person.pk, [])
        then = [r for r in now if r.load_id != load.pk]
        old = {v.fact: v for v in person_fact_verdicts(person, then, on, policy)}
        for new in person_fact_verdicts(person, now, on, policy):
            if new.verdict != old[new.fact].verdict:
                detail = f"本人申报“{new.declared}”；比对数据“{new.found}”"
                changes.append(
                    VerdictChange(
                        person=person,
                        load=load,
                        fact=new.fact,
                        before=old[new.fact].verdict,
                        after=new.verdict,
                        detail=detail[:300],
                    )
                )
    audit.create_many(changes, actor=load.loaded_by, reason=f"比对数据 LD-{load.pk} 载入")
    return len(changes)


@transaction.atomic
def change_handle(*, actor: User, change_id: int, note: str) -> VerdictChange:
    """The district records what it did about a changed verdict (who, when, what)."""
    require(actor, Duty.VERDICT_HANDLE)
    note = note.strip()
    if not note:
        raise RuleError("note", _("请填写处理情况。"), field="note")
    change = get_scoped(actor, VerdictChange.objects.select_for_update(), pk=change_id)
    if change.handled_at is not None:
        raise RuleError("change.handled", _("该变化已处理。"))
    audit.change(
        change, actor=actor, reason="处理核验结论变化", handled_by=actor, handled_at=timezone.now(), note=note[:300]
    )
    return change


def open_changes_q() -> Q:
    return Q(handled_at__isnull=True)


def errors_of(load: Load) -> list[RowError]:
    return [RowError(row=row, column=column, message=message) for row, column, message in load.rejected]
