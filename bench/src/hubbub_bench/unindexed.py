"""`hubbub serve` with the search index's writes turned off: the other side of what the index
costs a post (`hubbub bench search`). Run as `python -m hubbub_bench.unindexed serve ...`, with
hubbub's own arguments; a measuring instrument of the bench, never a way to run hubbub.

Only a new message's index row is left out (SearchIndexQueries.doc_for answers that there is
none, as for a system message): every other write of a post, and every read, is the server's
own."""

from __future__ import annotations

from typing import Any

from hubbub.cli import main
from hubbub.store.queries.search_index import SearchIndexQueries


def _no_index(*_args: Any, **_kwargs: Any) -> None:
    """No row of the index for any message: the cost on posting is what the row adds."""


def serve_unindexed() -> None:
    SearchIndexQueries.doc_for = _no_index  # type: ignore[method-assign]
    main()


if __name__ == "__main__":
    serve_unindexed()
