"""User groups in the browser client: `@handle` typed in the composer is sent as Slack's
`<!subteam^S…|@handle>` and shown as a mention, and it notifies the group's members."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.client import message, open_conversation, send, sign_in_as
from tests.support.servers import Server, Workspace, module_server, module_workspace

server = module_server("client-usergroups")
workspace = module_workspace()


def test_typing_a_handle_mentions_the_group(
    server: Server, workspace: Workspace, page: Page
) -> None:
    w = workspace
    alice = server.client(w.alice.token)
    group = alice.usergroups_create(name="Designers", handle="design")["usergroup"]
    alice.usergroups_users_update(usergroup=group["id"], users=w.bob.user_id)
    channel = alice.conversations_create(name="launch")["channel"]["id"]
    alice.conversations_invite(channel=channel, users=w.bob.user_id)

    sign_in_as(page, server, w, "alice")
    open_conversation(page, "launch")
    send(page, "@design and @nobody-here, review please")
    shown = message(page, "review please")
    expect(shown.locator(".mention.group")).to_have_text("@design")
    [stored] = alice.conversations_history(channel=channel, limit=1)["messages"]
    assert stored["text"] == f"<!subteam^{group['id']}|@design> and @nobody-here, review please"
    bob = server.client(w.bob.token)
    found = bob.api_call("client.counts")["channels"]
    assert next(c for c in found if c["id"] == channel)["mention_count"] == 1
