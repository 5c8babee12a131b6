"""The SQL a search runs is parameterised whatever the query says (store/queries/search.py,
search_files.py): its text depends only on the query's shape, never on the words in it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import postgresql, sqlite

from hubbub.domain.search_query import TRIGRAM, SearchQuery, parse
from hubbub.domain.search_text import boundary_keys, phrase_hashes
from hubbub.store.queries.search_files import FileScope
from hubbub.store.queries.search_files import _statement as _file_statement
from hubbub.store.queries.search_statements import MAX_GRAMS, Page, Scope, statement

PAGE = Page(window=100, limit=20, offset=0, latest_ts="1800000000.000000", now_s=1_800_000_000)
SCOPES = (
    Scope("T1", "U1"),
    Scope("T1", "U1", guest_of="T2", channel_ids=("C1",), author_ids=("U2", "U3")),
)
DIALECTS = {"sqlite": sqlite.dialect(), "postgresql": postgresql.dialect()}


def _placeholders(query: SearchQuery) -> SearchQuery:
    """The same shape: as many terms, each as long or as short for a trigram, none alike."""

    def like(n: int, term: str) -> str:
        if boundary_keys(term):  # a phrase with keys: SQLite asks search_keys for it
            return f"p{n:03d} q{n:03d}"
        return f"p{n:03d}" if len(term) >= TRIGRAM else "p"

    return replace(
        query,
        terms=tuple(like(n, t) for n, t in enumerate(query.terms)),
        excluded=tuple(like(n, t) for n, t in enumerate(query.excluded)),
    )


def _sql(dialect: str, scope: Scope, query: SearchQuery) -> tuple[str, dict[str, object]]:
    stmt, params = statement(dialect, scope, query, PAGE)
    return str(stmt.compile(dialect=DIALECTS[dialect])), params


@given(st.text(max_size=300), st.sampled_from(SCOPES), st.sampled_from(sorted(DIALECTS)))
def test_the_sql_depends_only_on_the_querys_shape(text: str, scope: Scope, dialect: str) -> None:
    query = parse(text, date(2026, 12, 6))
    if query.impossible:
        return
    sql, params = _sql(dialect, scope, query)
    assert sql == _sql(dialect, scope, _placeholders(query))[0]
    # Every term the engine sees comes through a parameter.
    values = [str(v) for v in params.values()]
    for term in query.terms + query.excluded:
        assert any(term in v for v in values)


def test_fts5_receives_each_term_as_a_quoted_string() -> None:
    query = parse('NEAR(a b) OR "x" say"hi abc"d', date(2026, 12, 6))
    _, params = _sql("sqlite", SCOPES[0], query)
    # Trigrams of the terms of three characters or more (six of the eleven, spread), each
    # quoted, `"` doubled inside: nothing in them is FTS5's syntax. Every term itself is then
    # checked with instr().
    assert params["match"] == '"nea" "ar(" "say" "y""h" "abc" "c""d"'
    terms = {params[f"t{n}"] for n in range(6)}
    assert terms == {"near(a", "b", "or", "x", 'say"hi', 'abc"d'}


def test_fts5_is_asked_for_a_few_trigrams_of_every_long_query() -> None:
    query = parse("troudaikaiza tridodou gaishunoupe", date(2026, 12, 6))
    _, params = _sql("sqlite", SCOPES[0], query)
    # Of all their trigrams, MAX_GRAMS spread from the first term's first to the last term's last.
    assert MAX_GRAMS == 6
    assert params["match"] == '"tro" "aik" "tri" "odo" "shu" "upe"'
    # A short term keeps every one of its own, so that rows holding its syllables apart are
    # not mistaken for it by FTS5 ("kai" and "sou" are in many more rows than "kaisou").
    _, params = _sql("sqlite", SCOPES[0], parse("kaisou", date(2026, 12, 6)))
    assert params["match"] == '"kai" "ais" "iso" "sou"'


def test_fts5_is_asked_for_a_phrases_boundary_keys() -> None:
    # The key of "iza tri", the space inside the phrase, narrows far more than any trigrams: it
    # is asked of search_keys alone, and instr() checks every term.
    query = parse('"troudaikaiza tridodou" gaishunoupe', date(2026, 12, 6))
    sql, params = _sql("sqlite", SCOPES[0], query)
    (key,) = boundary_keys("troudaikaiza tridodou")
    assert params["match"] == f'"{key}"'
    assert "search_keys MATCH" in sql
    assert "search_fts" not in sql
    # A space without three characters on each side has no key: the phrase's trigrams, as before.
    sql, params = _sql("sqlite", SCOPES[0], parse('"of tridodou"', date(2026, 12, 6)))
    assert params["match"] == '"of " " tr" "tri" "ido" "dod" "dou"'
    assert "search_fts MATCH" in sql


def test_postgresql_asks_its_gin_index_of_boundary_keys_for_a_phrase() -> None:
    # The phrase's keys from search_docs.boundary_keys (migration 0025), the phrase itself with
    # strpos(), which no index answers: as a LIKE, PostgreSQL also read every row holding its
    # trigrams. A word beside it is still a LIKE for the trigram index.
    query = parse('"troudaikaiza tridodou" gaishunoupe', date(2026, 12, 6))
    sql, params = _sql("postgresql", SCOPES[0], query)
    assert params["t0_keys"] == phrase_hashes("troudaikaiza tridodou")
    assert "d.boundary_keys @> %(t0_keys)s::INTEGER[]" in sql
    assert "strpos(d.body, %(t0)s::VARCHAR)" in sql
    assert "LIKE %(t0)s" not in sql
    assert params["t1"] == "%gaishunoupe%"
    # A phrase without keys is a LIKE, as a word is.
    sql, params = _sql("postgresql", SCOPES[0], parse('"of tridodou"', date(2026, 12, 6)))
    assert "boundary_keys" not in sql
    assert params["t0"] == "%of tridodou%"


def test_like_patterns_escape_postgresqls_wildcards() -> None:
    query = parse("100%_done back\\slash", date(2026, 12, 6))
    _, params = _sql("postgresql", SCOPES[0], query)
    assert params["t0"] == "%100\\%\\_done%"
    assert params["t1"] == "%back\\\\slash%"


FILE_SCOPES = (
    FileScope("T1", "U1", {"T1": ("C1", "C2")}),
    FileScope("T2", None, {"T1": ("C1",), "T3": ("C9",)}, author_ids=("U2",)),
)


@given(st.text(max_size=300), st.sampled_from(FILE_SCOPES), st.sampled_from(sorted(DIALECTS)))
def test_the_file_search_sql_depends_only_on_the_querys_shape(
    text: str, scope: FileScope, dialect: str
) -> None:
    """search.files (store/queries/search_files.py): the same, scope and text alike."""
    query = parse(text, date(2026, 12, 6))
    if query.impossible:
        return

    def sql(query: SearchQuery) -> tuple[str, dict[str, object]]:
        stmt, params = _file_statement(dialect, scope, query, PAGE)
        return str(stmt.compile(dialect=DIALECTS[dialect])), params

    found, params = sql(query)
    assert found == sql(_placeholders(query))[0]
    values = [str(v) for v in params.values()]
    for term in query.terms + query.excluded:
        assert any(term in v for v in values)
    # Whose files and where they may be shared: parameters too.
    assert scope.team_id in values and "T1" in values
