"""One adapter per registry: what its extract carries and how one row of it is checked.

Every source is read through the same interface (``Adapter``): its columns (the Chinese header
of the Excel sheet and the key of the JSON batch), and ``check``, which turns one row into the
fields of a ``Record`` or the list of *all* the row's errors — pure, no queries. How the rows
arrive is apart: ``rows_from_xlsx`` (an officer's upload) and ``rows_from_json`` (a system's
batch) both give ``SheetRow``s keyed by header. A live registry service replaces the file later
by handing the same rows to the same adapter (docs/architecture.md, "Registry extracts").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

from django.utils.translation import gettext as _

from jianxi.core.errors import RuleError
from jianxi.core.imports import (
    MAX_ROWS,
    CellError,
    RowChecker,
    RowError,
    SheetLayout,
    SheetRow,
    cell_text,
    choice_cell,
    date_cell,
    read_xlsx,
    text_cell,
    yes_no_cell,
)
from jianxi.core.validators import parse_credit_code, parse_resident_id
from jianxi.registry.models import Source
from jianxi.youth.imports import education_names

ID_NUMBER = "公民身份号码"
_date = date_cell("2024-07-01")


@dataclass(frozen=True)
class Column:
    header: str  # the Excel sheet's header
    key: str  # the JSON batch's key
    parse: Callable[[Any], Any]
    required: bool = True


def _credit_code(value: Any) -> str:
    try:
        return parse_credit_code(cell_text(value))
    except RuleError as err:
        raise CellError(err.message) from None


def _json_yes_no(value: Any) -> bool:
    return yes_no_cell(value)


def _education(value: Any) -> str:
    return str(choice_cell(education_names(), "请填写如 大学本科、硕士研究生。")(value))


@dataclass(frozen=True)
class Checked:
    """A valid row: its number and the ``Record`` fields it fills (``id_number`` among them)."""

    row: int
    fields: Mapping[str, Any]


class Adapter:
    """One registry's extract: its columns and the check of one row."""

    source: ClassVar[Source]
    title: ClassVar[str]  # the sheet's title (the first sheet is read when none is so named)
    columns: ClassVar[tuple[Column, ...]]

    @classmethod
    def layout(cls) -> SheetLayout:
        headers = (ID_NUMBER, *(c.header for c in cls.columns))
        optional = frozenset(c.header for c in cls.columns if not c.required)
        return SheetLayout(cls.title, headers, noun="记录", optional=optional)

    @classmethod
    def keys(cls) -> dict[str, str]:
        """JSON key → header, the ID number's key first."""
        return {"id_number": ID_NUMBER, **{c.key: c.header for c in cls.columns}}

    @classmethod
    def check(cls, row: SheetRow, today: date) -> Checked | list[RowError]:
        check = RowChecker(row)

        def resident_id(value: Any) -> str:
            try:
                return parse_resident_id(cell_text(value), today=today).number
            except RuleError as err:
                raise CellError(err.message) from None

        number = check.cell(ID_NUMBER, resident_id)
        values = {c.key: check.cell(c.header, c.parse, required=c.required) for c in cls.columns}
        cls.cross_check(check, values)
        if check.errors:
            return check.errors
        return Checked(row=row.number, fields={"id_number": number, **cls.fields(values)})

    @classmethod
    def cross_check(cls, check: RowChecker, values: dict[str, Any]) -> None:
        """Checks across the columns of one row (a period's order)."""

    @classmethod
    def fields(cls, values: Mapping[str, Any]) -> dict[str, Any]:
        return dict(values)


def _period_order(start: str, end: str) -> Callable[[RowChecker, dict[str, Any]], None]:
    def ordered(check: RowChecker, values: dict[str, Any]) -> None:
        if values.get("start") and values.get("end") and values["end"] < values["start"]:
            check.fail(end, f"{end}不能早于{start}。")

    return ordered


class Insurance(Adapter):
    """社会保险参保: who insured the person, from when to when (blank 终止: still insured)."""

    source = Source.INSURANCE
    title = "参保"
    columns = (
        Column("单位统一社会信用代码", "employer_code", _credit_code),
        Column("参保开始日期", "start", _date),
        Column("参保终止日期", "end", _date, required=False),
    )

    @classmethod
    def cross_check(cls, check: RowChecker, values: dict[str, Any]) -> None:
        _period_order("参保开始日期", "参保终止日期")(check, values)


class Graduate(Adapter):
    """生源/学籍 (学信): school, education level, graduation date, Beijing origin."""

    source = Source.GRADUATE
    title = "生源学籍"
    columns = (
        Column("毕业院校", "school", text_cell("毕业院校", 100)),
        Column("学历", "education", lambda value: _education(value)),
        Column("毕业日期", "graduation_date", _date),
        Column("北京生源", "beijing_origin", _json_yes_no),
    )

    @classmethod
    def fields(cls, values: Mapping[str, Any]) -> dict[str, Any]:
        rest = {k: v for k, v in values.items() if k != "beijing_origin"}
        return {**rest, "flag": values["beijing_origin"]}


class Hukou(Adapter):
    """户籍: whether the person holds Beijing household registration."""

    source = Source.HUKOU
    title = "户籍"
    columns = (Column("本市户籍", "beijing_hukou", _json_yes_no),)

    @classmethod
    def fields(cls, values: Mapping[str, Any]) -> dict[str, Any]:
        return {"flag": values["beijing_hukou"]}


class Unemployment(Adapter):
    """失业登记: registered unemployed from (登记日期) until deregistered (注销日期, blank: still)."""

    source = Source.UNEMPLOYMENT
    title = "失业登记"
    columns = (
        Column("登记日期", "start", _date),
        Column("注销日期", "end", _date, required=False),
    )

    @classmethod
    def cross_check(cls, check: RowChecker, values: dict[str, Any]) -> None:
        _period_order("登记日期", "注销日期")(check, values)


class Transfer(Adapter):
    """转移就业登记 (就业登记 of rural labour): registered from, until (blank: still)."""

    source = Source.TRANSFER
    title = "转移就业登记"
    columns = (
        Column("登记日期", "start", _date),
        Column("注销日期", "end", _date, required=False),
    )

    @classmethod
    def cross_check(cls, check: RowChecker, values: dict[str, Any]) -> None:
        _period_order("登记日期", "注销日期")(check, values)


ADAPTERS: dict[str, type[Adapter]] = {a.source.value: a for a in (Insurance, Graduate, Hukou, Unemployment, Transfer)}


def adapter_for(source: str) -> type[Adapter]:
    return ADAPTERS[source]


# --- how rows arrive -----------------------------------------------------------------------------


def rows_from_xlsx(adapter: type[Adapter], data: bytes) -> list[SheetRow]:
    """An uploaded extract's rows. Every column is optional here: a missing one is found by
    ``missing_columns`` and the refusal recorded as a load (who, when, what was missing)."""
    layout = adapter.layout()
    reading = SheetLayout(layout.title, layout.headers, noun=layout.noun, optional=frozenset(layout.headers))
    return read_xlsx(data, reading, max_rows=MAX_ROWS)


def missing_columns(adapter: type[Adapter], rows: Sequence[SheetRow]) -> list[str]:
    """The required headers the file's rows lack."""
    layout = adapter.layout()
    present = set(rows[0].values) if rows else set()
    return [h for h in layout.headers if h not in present and h not in layout.optional]


def rows_from_json(adapter: type[Adapter], items: Sequence[Mapping[str, Any]]) -> list[SheetRow]:
    """A system's batch as rows numbered from 1; a key the source does not know refuses the batch."""
    keys = adapter.keys()
    rows: list[SheetRow] = []
    for index, item in enumerate(items):
        unknown = sorted(set(item) - set(keys))
        if unknown:
            raise RuleError(
                "registry.columns",
                _("第 %(index)s 条含有%(label)s数据没有的字段：%(unknown)s；可用字段：%(keys)s。")
                % {
                    "index": index + 1,
                    "label": adapter.source.label,
                    "unknown": "、".join(unknown),
                    "keys": "、".join(keys),
                },
                field=f"rows.{index}.{unknown[0]}",
            )
        values = {header: _json_value(item.get(key)) for key, header in keys.items()}
        rows.append(SheetRow(number=index + 1, values=values))
    return rows


def _json_value(value: Any) -> Any:
    """A JSON value as a cell: dates arrive as text and are parsed by the same cell parsers."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
