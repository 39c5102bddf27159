"""The asset table's search, answered by the full-text index of migration ``0009_request_search``.

A search is the words of the query, split (like the index) on anything that is not a letter or a
digit and case-folded. A request matches when those words appear one after another among the
words of its title, show name, episode title, request id, package id and language, the last one
possibly unfinished: ``show 3`` finds "Show 3" and "Show 31", ``sr-0000`` every request id
starting so, ``es`` the Spanish requests. Words are matched from their start, never inside
(``0003`` does not find ``SR-000003``): that is what lets an index answer instead of a scan of
every request, on SQLite (FTS5) and PostgreSQL (``tsvector`` + GIN) alike.
"""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, column, func, literal_column, select, table
from sqlalchemy.orm import Session

from slate.store import SourceRequestRow

__all__ = ["search_condition", "search_words"]

_WORD = re.compile(r"[^\W_]+")
#: Words beyond this many add nothing a person types and only lengthen the index walk.
_MAX_WORDS = 12

_FTS = table("source_requests_search", column("request_id"), column("words"))


def search_words(q: str) -> list[str]:
    """The words of a query as the index holds them: letters and digits, lower case."""
    return _WORD.findall(q.lower())[:_MAX_WORDS]


def search_condition(session: Session, q: str) -> ColumnElement[bool] | None:
    """A WHERE clause on ``source_requests`` keeping the requests ``q`` finds; None for no words."""
    words = search_words(q)
    if not words:
        return None
    if session.get_bind().dialect.name == "sqlite":
        # an FTS5 phrase of the words, the last a prefix; the words hold no quote to escape
        phrase = '"' + " ".join(words) + '"*'
        found = select(_FTS.c.request_id).where(_FTS.c.words.op("MATCH")(phrase))
        return SourceRequestRow.request_id.in_(found)
    # PostgreSQL, the other engine Slate runs on: the phrase as a tsquery on the generated column
    query = " <-> ".join(words) + ":*"
    tsquery = func.to_tsquery(literal_column("'simple'::regconfig"), query)
    return literal_column("source_requests.search").op("@@")(tsquery)
