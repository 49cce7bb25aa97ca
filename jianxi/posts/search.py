"""Chinese full-text search for posts, on SQLite and PostgreSQL alike.

Words are segmented with jieba: a post's document holds the search-engine segmentation
(``cut_for_search``: "数据分析师助理" → 数据 分析 分析师 助理), and the database indexes it — an
FTS5 table on SQLite, a GIN-indexed stored ``tsvector`` column (``search_vector``) on PostgreSQL —
so a search never scans every post.

A query word must match as a whole word or, when jieba splits it into smaller words that cover
all its characters, as all of those: "数据分析" matches (数据分析) or (数据 and 分析), and so finds
"数据分析师助理"; "软件" finds "软件开发见习生". Several query words must all match.

Relevance, the same on both databases (see ``apply``): among the newest ``RANK_WINDOW`` matches,
the number of query words in the title, then newest. ts_rank (PostgreSQL) and bm25() (SQLite)
must read every match to rank it: 0.9–1.3 s for a broad word at a million posts.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import jieba
from django.db import connection, connections
from django.db.models import BooleanField, Case, F, Func, IntegerField, QuerySet, Subquery, Value, When
from django.db.models.expressions import RawSQL

jieba.setLogLevel(logging.WARNING)
# Letters and digits only: "_" is a word character to Python but an empty phrase to FTS5.
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_MAX_QUERY_WORDS = 8


@lru_cache(maxsize=1)
def _ready() -> bool:
    jieba.initialize()
    return True


def _words(text: str) -> Iterable[str]:
    for chunk in _WORD.findall(text.lower()):
        yield from (w for w in jieba.cut_for_search(chunk) if _WORD.fullmatch(w))


TITLE_WEIGHT = 3


def document(title: str, *parts: str) -> str:
    """The indexed words of a post, space-separated.

    Title words are written ``TITLE_WEIGHT`` times: ts_rank (PostgreSQL) counts occurrences,
    so a match in the title ranks above one deep in a description.
    """
    _ready()
    title_words = list(_words(title))
    words = title_words * TITLE_WEIGHT
    for part in parts:
        words.extend(_words(part))
    return " ".join(words)


def query_groups(q: str) -> list[list[list[str]]]:
    """The query as AND of groups; each group is OR of alternatives; each alternative AND of words."""
    _ready()
    groups: list[list[list[str]]] = []
    for chunk in _WORD.findall(q.lower()):
        for word in jieba.cut(chunk):
            if not _WORD.fullmatch(word):
                continue
            parts = [p for p in jieba.cut_for_search(word) if p != word and _WORD.fullmatch(p)]
            alternatives = [[word]]
            if parts and set("".join(parts)) >= set(word):
                alternatives.append(sorted(set(parts)))
            groups.append(alternatives)
            if len(groups) >= _MAX_QUERY_WORDS:
                return groups
    return groups


def _fts5_expression(groups: list[list[list[str]]]) -> str:
    def alt(words: list[str]) -> str:
        return "(" + " AND ".join(f'"{w}"' for w in words) + ")"

    return " AND ".join("(" + " OR ".join(alt(a) for a in group) + ")" for group in groups)


def _tsquery_expression(groups: list[list[list[str]]]) -> str:
    def alt(words: list[str]) -> str:
        return "(" + " & ".join(f"'{w}'" for w in words) + ")"

    return " & ".join("(" + " | ".join(alt(a) for a in group) + ")" for group in groups)


class _TsMatch(Func):
    """``<posts table>.search_vector @@ to_tsquery('simple', %s)`` (PostgreSQL), under whatever
    alias the table has in the query (a subquery names it U0). ``search_vector`` is the stored
    tsvector column of migration 0006, not a model field: it is reached through its neighbour."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, tsquery: str) -> None:
        super().__init__(F("search_document"))
        self.tsquery = tsquery

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        column, params = compiler.compile(self.source_expressions[0])
        column = column.replace('"search_document"', '"search_vector"')
        return f"{column} @@ to_tsquery('simple', %s)", [*params, self.tsquery]


RANK_WINDOW = 1000  # relevance orders the newest this-many matches (see apply())


def apply(qs: QuerySet[Any], q: str, *, ranked: bool) -> QuerySet[Any] | None:
    """``qs`` narrowed to posts matching ``q`` (annotated with ``relevance`` when ``ranked``).

    None when ``q`` holds no word at all. Words contain only word characters (``\\w``), so
    quoting them is safe in both query syntaxes; the expression itself is a bound parameter.

    Relevance, the same on both databases: among the newest ``RANK_WINDOW`` matches, posts with
    more query words in their title first, then newest; after them the older matches, newest
    first. Ranking every match of a broad word (one post in five at a national scale: 200,000)
    costs a read of every one; the newest thousand are found through an index and ranked in a
    few milliseconds, and a broad word's best matches are among them. The first pages read the
    window alone (``window``); this annotation ranks any page, deep ones included.
    """
    groups = query_groups(q)
    if not groups:
        return None
    if connection.vendor == "postgresql":
        qs = qs.filter(_TsMatch(_tsquery_expression(groups)))
    else:
        # SQLite evaluates the full-text query once, as a list, and keeps the post indexes for
        # the other filters and the sort.
        fts = "SELECT rowid FROM posts_post_fts WHERE posts_post_fts MATCH %s"
        qs = qs.filter(pk__in=RawSQL(fts, [_fts5_expression(groups)]))  # noqa: S611
    if not ranked:
        return qs
    newest = qs.order_by("-published_at", "-id").values("pk")[:RANK_WINDOW]
    return qs.annotate(relevance=Case(When(pk__in=Subquery(newest), then=_score(groups)), default=Value(-1)))


def window(matches: QuerySet[Any], q: str) -> QuerySet[Any]:
    """The newest ``RANK_WINDOW`` of ``matches`` (posts ``apply`` narrowed, not ranked), each
    annotated with its ``relevance``: what the first pages by relevance are ranked from."""
    score = _score(query_groups(q))
    return matches.annotate(relevance=score).order_by("-published_at", "-id")[:RANK_WINDOW]


class _TitleScore(Func):
    """How many of ``words`` the post's title holds, whatever the case of their letters: the sum
    of ``(title ILIKE %word%)::int`` on PostgreSQL (Django's ``icontains`` compares
    ``UPPER(title)``, 0.8 ms more over a window of 1,000 titles), of ``(title LIKE %word%)`` on
    SQLite (case-blind for Latin letters). Words are letters and digits only (``_WORD``), so
    they hold no pattern character."""

    output_field = IntegerField()

    def __init__(self, words: list[str]) -> None:
        super().__init__(F("title"))
        self.words = words

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        column, params = compiler.compile(self.source_expressions[0])
        term = f"({column} ILIKE %s)::int" if connection.vendor == "postgresql" else f"({column} LIKE %s)"
        sql = " + ".join([term] * len(self.words))
        values: list[Any] = []
        for word in self.words:
            values += [*params, f"%{word}%"]
        return f"({sql})", values


def _score(groups: list[list[list[str]]]) -> Any:
    """How many of the query's words a post's title holds."""
    return _TitleScore([group[0][0] for group in groups])


# --- Totals: exact up to a limit, then estimated ------------------------------------------------


def count_matches(qs: QuerySet[Any], limit: int) -> tuple[int, bool]:
    """How many rows ``qs`` holds, and whether that is an estimate.

    PostgreSQL: the planner's estimate first (``EXPLAIN``, from the table's statistics, under a
    millisecond); above ``limit`` that is the answer ("约 N 条"). Otherwise the rows are counted,
    at most ``limit + 1`` of them (``SELECT count(*) FROM (… LIMIT limit + 1)``), so the cost is
    bounded whatever the planner thought. SQLite, at a city's scale, counts exactly.
    """
    count, estimated, _ = total_and_keys(qs, limit, keys=False)
    return count, estimated


def total_and_keys(qs: QuerySet[Any], limit: int, *, keys: bool) -> tuple[int, bool, list[Any] | None]:
    """``count_matches``, and with ``keys`` the primary keys of the first ``limit + 1`` rows of
    ``qs`` in its order whenever PostgreSQL counts them (the planner's estimate is within the
    limit): one statement that reads the matches once gives both the total and any of the first
    pages (counting and then reading the page read them twice: 13 ms against 7 ms for a keyword
    and two filters at a million posts). None when the planner's estimate is above the limit
    (the total is that estimate, no row is read), or on SQLite (which counts exactly)."""
    bare = qs.order_by().values("pk")
    db = connections[bare.db]  # the read replica's, when the caller reads from it (core/db_router.py)
    if db.vendor != "postgresql":
        return bare.count(), False, None
    sql, params = bare.query.get_compiler(using=bare.db).as_sql()
    with db.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    estimate = int(plan[0]["Plan"]["Plan Rows"])
    if estimate > limit:
        return estimate, True, None
    found = list(qs.values_list("pk", flat=True)[: limit + 1]) if keys else None
    counted = len(found) if found is not None else bare[: limit + 1].count()
    if counted <= limit:
        return counted, False, found
    return max(estimate, limit + 1), True, found


def round_estimate(n: int) -> int:
    """An estimate shown to people: two significant figures (123,456 → 120,000)."""
    if n < 100:
        return n
    digits = len(str(n)) - 2
    return round(n, -digits)


# --- A short-lived cache of first pages ----------------------------------------------------------

_GENERATION_KEY = "posts:search:generation"


def cache_key(params: str) -> str:
    import hashlib

    return "posts:search:page:" + hashlib.sha256(params.encode()).hexdigest()[:32]


def cached(key: str) -> Any | None:
    """The value stored under ``key`` if stored in the current generation (one cache round trip)."""
    from django.core.cache import cache

    found = cache.get_many([_GENERATION_KEY, key])
    entry = found.get(key)
    if entry is None or entry[0] != found.get(_GENERATION_KEY):
        return None
    return entry[1]


def store(key: str, value: Any, seconds: int) -> None:
    import time

    from django.core.cache import cache

    generation = cache.get(_GENERATION_KEY)
    if generation is None:  # first use, or evicted: a value no stored page holds
        cache.add(_GENERATION_KEY, time.time_ns(), None)
        generation = cache.get(_GENERATION_KEY)
    cache.set(key, (generation, value), seconds)


def changed() -> None:
    """Posts entered or left the public search (or changed): every cached page is stale.

    Called at once and again when the transaction commits, so a page cached in between (from
    the old data) does not survive the commit.
    """
    from django.db import transaction

    _bump()
    transaction.on_commit(_bump)


def _bump() -> None:
    from django.core.cache import cache

    try:
        cache.incr(_GENERATION_KEY)
    except ValueError:  # not there yet (or evicted): any new value differs from what pages hold
        import time

        cache.set(_GENERATION_KEY, time.time_ns(), None)
