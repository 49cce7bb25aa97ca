"""Chinese full-text search for posts, on SQLite and PostgreSQL alike.

Words are segmented with jieba: a post's document holds the search-engine segmentation
(``cut_for_search``: "数据分析师助理" → 数据 分析 分析师 助理), and the database indexes it — an
FTS5 table on SQLite, a GIN-indexed stored ``tsvector`` column (``search_vector``) on PostgreSQL —
so a search never scans every post.

A query word must match as a whole word or, when jieba splits it into smaller words that cover
all its characters, as all of those: "数据分析" matches (数据分析) or (数据 and 分析), and so finds
"数据分析师助理"; "软件" finds "软件开发见习生". Several query words must all match.

Relevance: ts_rank on PostgreSQL (title words are written three times, so they weigh more);
on SQLite, the number of query words in the title, then newest — bm25() would re-run the match
for every row and is far too slow over thousands of matches.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import jieba
from django.db import connection
from django.db.models import QuerySet

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


def apply(qs: QuerySet[Any], q: str, *, ranked: bool) -> QuerySet[Any] | None:
    """``qs`` narrowed to posts matching ``q`` (annotated with ``relevance`` when ``ranked``).

    None when ``q`` holds no word at all. Words contain only word characters (``\\w``), so
    quoting them is safe in both query syntaxes; the expression itself is a bound parameter.
    """
    groups = query_groups(q)
    if not groups:
        return None
    if connection.vendor == "postgresql":
        expr = _tsquery_expression(groups)
        vector = "posts_post.search_vector"  # stored, GIN-indexed (migration 0005)
        qs = qs.extra(where=[f"{vector} @@ to_tsquery('simple', %s)"], params=[expr])  # noqa: S610
        if ranked:
            rank = f"ts_rank({vector}, to_tsquery('simple', %s))"
            qs = qs.extra(select={"relevance": rank}, select_params=[expr])  # noqa: S610
        return qs
    expr = _fts5_expression(groups)
    # SQLite evaluates the full-text query once, as a list, and keeps the post indexes for the
    # other filters and the sort.
    where = "posts_post.id IN (SELECT rowid FROM posts_post_fts WHERE posts_post_fts MATCH %s)"
    qs = qs.extra(where=[where], params=[expr])  # noqa: S610
    if ranked:
        # bm25() cannot be had per row without re-running the match for every row, which is
        # far too slow over thousands of matches; SQLite ranks by how many query words the
        # title contains (then newest), a cheap expression over the matched rows only.
        words = [group[0][0] for group in groups]
        rank = " + ".join(["(instr(lower(posts_post.title), %s) > 0)"] * len(words))
        qs = qs.extra(select={"relevance": rank}, select_params=words)  # noqa: S610
    return qs
