"""`hubbub admin reindex` in its own process beside a running server (docs/search.md): an index
lost or gone stale is built again from the messages, with its JSON on stdout and its progress on
stderr; a workspace it does not know is Slack's error."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import update

from hubbub.store.tables import search_docs
from hubbub.store.tables_files import files
from hubbub.store.tx import Tx
from tests.support.servers import Server, env_for, make_workspace, run_admin


def _reindex(data_dir: Path, *more: str) -> tuple[int, dict[str, Any], str]:
    done = subprocess.run(
        [sys.executable, "-m", "hubbub", "admin", "reindex", *more, "--data-dir", str(data_dir)],
        capture_output=True,
        timeout=120,
        env=env_for(data_dir),
    )
    return done.returncode, json.loads(done.stdout), done.stderr.decode()


def _spoil(data_dir: Path, team_id: str) -> None:
    """The index of a workspace gone wrong: every message's text replaced, every file's gone."""

    async def work(hub: Any) -> None:
        def unit(tx: Tx, _log: Any) -> None:
            tx.conn.execute(
                update(search_docs).where(search_docs.c.team_id == team_id).values(body="zz")
            )
            tx.conn.execute(
                update(files).where(files.c.team_id == team_id).values(search_body=None)
            )

        await hub.commit(team_id, unit)

    run_admin(data_dir, work)


def test_reindex_builds_the_index_again_while_the_server_runs(server: Server) -> None:
    acme = make_workspace(server.data_dir, "acme")
    globex = make_workspace(server.data_dir, "globex")
    alice = server.client(acme.alice.token)
    lobby = alice.conversations_create(name="lobby")["channel"]["id"]
    for n in range(5):
        alice.chat_postMessage(channel=lobby, text=f"北京 numbered note {n}")
    edited = alice.chat_postMessage(channel=lobby, text="first words")["ts"]
    alice.chat_update(channel=lobby, ts=edited, text="second words")
    server.client(globex.alice.token).chat_postMessage(
        channel=server.client(globex.alice.token).conversations_create(name="g")["channel"]["id"],
        text="globex note",
    )

    def total(query: str) -> int:
        return int(alice.search_messages(query=query)["messages"]["total"])

    assert total("note") == 5
    _spoil(server.data_dir, acme.team_id)
    assert total("note") == 0

    code, out, err = _reindex(server.data_dir, "--team", "acme")
    assert code == 0 and out["ok"] is True
    # Every message read, joins included; only what people wrote indexed.
    [report] = out["teams"]
    assert report["team_id"] == acme.team_id and report["indexed"] == 6
    assert report["messages"] > 6
    assert "Traceback" not in err  # the bar, if any: rich draws none off a terminal
    assert (total("note"), total("北京"), total("second"), total("first")) == (5, 5, 1, 0)

    # Every workspace, when none is named; by id as well as by domain.
    code, out, _ = _reindex(server.data_dir)
    assert code == 0 and {t["team_id"] for t in out["teams"]} == {acme.team_id, globex.team_id}
    code, out, _ = _reindex(server.data_dir, "--team", globex.team_id)
    assert [(t["team_id"], t["indexed"]) for t in out["teams"]] == [(globex.team_id, 1)]
    assert total("note") == 5


def test_reindex_indexes_files_again_and_leaves_deleted_ones_out(server: Server) -> None:
    acme = make_workspace(server.data_dir, "acme")
    alice = server.client(acme.alice.token)
    lobby = alice.conversations_create(name="lobby")["channel"]["id"]
    kept = alice.files_upload_v2(channel=lobby, content="x", filename="budget.txt", title="Plan")
    gone = alice.files_upload_v2(channel=lobby, content="y", filename="budget-old.txt")
    alice.files_delete(file=gone["file"]["id"])

    def found(query: str) -> list[str]:
        return [f["id"] for f in alice.search_files(query=query)["files"]["matches"]]

    assert found("budget") == found("plan") == [kept["file"]["id"]]
    _spoil(server.data_dir, acme.team_id)
    assert found("budget") == []

    code, out, _ = _reindex(server.data_dir, "--team", "acme")
    assert code == 0
    [report] = out["teams"]
    assert (report["files"], report["files_indexed"]) == (2, 1)
    assert found("budget") == found("plan") == [kept["file"]["id"]]


def test_reindex_of_an_unknown_workspace_says_so(server: Server) -> None:
    code, out, _ = _reindex(server.data_dir, "--team", "nosuch")
    assert code == 1 and out == {"ok": False, "error": "team_not_found"}
