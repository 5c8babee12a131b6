"""Slack's mrkdwn as the client renders it (static/mrkdwn.js), run in Chromium on the real page:
each case is Slack-stored text and the HTML it must become. Every character of text is escaped."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.client import sign_in_as
from tests.support.servers import Server, Workspace, module_server, module_workspace

server = module_server("mrkdwn")
workspace = module_workspace()

CASES = [
    ("plain", "plain"),
    ("*bold* _it_ ~gone~", "<strong>bold</strong> <em>it</em> <del>gone</del>"),
    ("a*b*c snake_case_name", "a*b*c snake_case_name"),
    ("*bold _and it_*", "<strong>bold <em>and it</em></strong>"),
    ("`*not bold*` ok", "<code>*not bold*</code> ok"),
    ("```\nline <1>\n*x*```", '<pre class="code-block">line &lt;1&gt;\n*x*</pre>'),
    ("&gt; quoted\n&gt; more\nafter", "<blockquote>quoted<br>more</blockquote>after"),
    ("1 &lt; 2 &amp;&amp; 3 &gt; 2", "1 &lt; 2 &amp;&amp; 3 &gt; 2"),
    (
        "<https://example.com/a?b=1&amp;c=2|the site>",
        '<a href="https://example.com/a?b=1&amp;c=2" target="_blank" '
        'rel="noopener noreferrer nofollow">the site</a>',
    ),
    ("<javascript:alert(1)|click>", "click"),
    (
        "<@U123|ann> <!here>",
        '<span class="mention" data-user="U123">@ann</span> '
        '<span class="mention broadcast">@here</span>',
    ),
    ("<#C123|deals>", '<a class="channel-link" href="/client/T/C123">#deals</a>'),
    (
        "<!subteam^S1|@devs> <!subteam^S2>",
        '<span class="mention group" data-usergroup="S1">@devs</span> '
        '<span class="mention group" data-usergroup="S2">@S2</span>',
    ),
    (
        ":tada: :no_such_emoji:",
        '<span class="emoji pic" title=":tada:" aria-label=":tada:" role="img" '
        'style="--x: 7; --y: 13;">🎉</span> :no_such_emoji:',
    ),
    # A skin tone is part of the shortcode; emoji typed as characters get their pictures too.
    (
        ":+1::skin-tone-4: ok",
        '<span class="emoji pic" title=":+1::skin-tone-4:" aria-label=":+1::skin-tone-4:" '
        'role="img" style="--x: 13; --y: 2;">👍🏽</span> ok',
    ),
    (
        "I \u2764\ufe0f it",
        'I <span class="emoji pic" title="\u2764\ufe0f" aria-label="\u2764\ufe0f" role="img" '
        'style="--x: 60; --y: 46;">\u2764\ufe0f</span> it',
    ),
    ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"),
    ("<script>x</script>", "&lt;script&gt;x&lt;/script&gt;"),
    (
        "&lt;https://example.com|a link&gt;",
        '&lt;<a href="https://example.com" target="_blank" '
        'rel="noopener noreferrer nofollow">https://example.com</a>|a link&gt;',
    ),
    (
        "(https://example.com/a_b) https://x.test/?q=1&amp;r=2&gt;",
        '(<a href="https://example.com/a_b" target="_blank" '
        'rel="noopener noreferrer nofollow">https://example.com/a_b</a>) '
        '<a href="https://x.test/?q=1&amp;r=2" target="_blank" '
        'rel="noopener noreferrer nofollow">https://x.test/?q=1&amp;r=2</a>&gt;',
    ),
    ("&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    (
        "see https://example.com/x.",
        'see <a href="https://example.com/x" target="_blank" '
        'rel="noopener noreferrer nofollow">https://example.com/x</a>.',
    ),
]

RENDER = """async ([text]) => {
  const { render } = await import('/static/mrkdwn.js');
  const { Emoji } = await import('/static/emoji.js');
  const emoji = await Emoji.load();
  const div = document.createElement('div');
  const ctx = {
    emoji: (n) => emoji.text(n),
    emojiNode: (t, label) => emoji.node(t, label),
    channelHref: (id) => `/client/T/${id}`,
  };
  div.append(...render(text, ctx));
  return div.innerHTML;
}"""


@pytest.fixture(scope="module")
def client(server: Server, workspace: Workspace, browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    sign_in_as(page, server, workspace, "alice")
    yield page
    context.close()


@pytest.mark.parametrize(("text", "html"), CASES)
def test_renders(client: Page, text: str, html: str) -> None:
    assert client.evaluate(RENDER, [text]) == html


# Search results (static/search.js `marked`): Slack's highlight marks become <mark>, each piece
# made plain as its author typed it, every character still text.
MARKED = [
    ("The \ue000zebra\ue001 run", "The <mark>zebra</mark> run"),
    ("<@U1|ann> said \ue000hi\ue001", "@U1 said <mark>hi</mark>"),
    ("\ue000&lt;b&gt;\ue001 &amp; co", "<mark>&lt;b&gt;</mark> &amp; co"),
    (
        "<img src=x onerror=alert(1)> \ue000x\ue001",
        "&lt;img src=x onerror=alert(1)&gt; <mark>x</mark>",
    ),
    ("half \ue000open", "half <mark>open</mark>"),
    ("stray \ue001end", "stray end"),
    ("\ue000\ue001", ""),
]

MARK = """async ([text]) => {
  const { marked } = await import('/static/search.js');
  const { editable } = await import('/static/mrkdwn.js');
  const div = document.createElement('div');
  div.append(...marked(text, (s) => editable(s, {})));
  return div.innerHTML;
}"""


@pytest.mark.parametrize(("text", "html"), MARKED)
def test_search_marks(client: Page, text: str, html: str) -> None:
    assert client.evaluate(MARK, [text]) == html
