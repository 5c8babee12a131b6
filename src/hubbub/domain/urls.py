"""Every URL hubbub hands out, built from one base: the address clients reach the server at
(Settings.public_url, else the address `hubbub serve` listens on; docs/deploy.md).

One method per kind of URL, and the paths the server routes live here beside them, so a
permalink, an invite or a webhook URL can neither come from a second default nor drift from the
route that answers it.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from hubbub.domain.model import Message

ARCHIVES_PATH = "/archives/"  # + <channel>/p<ts without its dot>: a message's permalink
JOIN_PATH = "/join/"  # + <code>: an invite link
COMMAND_RESPONSE_PATH = "/commands/"  # + <code>: a slash command's response_url
ACTION_RESPONSE_PATH = "/actions/"  # + <code>: the response_url of a press on a block
WEBHOOK_PATH = "/services/"  # + <team>/<webhook>/<secret>: an incoming webhook
RTM_PATH = "/rtm"
SOCKET_MODE_PATH = "/link/"
# Files (docs/files.md): where an upload URL's bytes go, where a file is downloaded (+
# <team>-<file>/<name>, or <team>-<file>/download/<name>), its permalink (+ <user>/<file>/<name>)
# and its thumbnails (+ <team>-<file>/<edge>/<name>, served by the thumbnail work).
UPLOAD_PATH = "/upload/v1/"
FILES_PRI_PATH = "/files-pri/"
FILES_PATH = "/files/"
FILES_TMB_PATH = "/files-tmb/"
# A custom emoji's image (+ <team>/<name>/<sha256's first 16>.<ext>): public and immutable, as
# Slack's emoji URLs are; a new image under the same name is a new URL.
EMOJI_PATH = "/emoji/"


def listen_url(host: str, port: int) -> str:
    """The base URL of a server listening on host:port: what is handed out without public_url."""
    if ":" in host:  # an IPv6 literal is bracketed in a URL
        host = f"[{host}]"
    return f"http://{host}:{port}"


def check_public_url(url: str) -> str:
    """public_url as given, without a trailing slash; ValueError unless it is an http(s) URL
    with a host and nothing after its path (every URL handed out appends to it)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"public_url {url!r}: an http:// or https:// URL with a host")
    if parts.query or parts.fragment:
        raise ValueError(f"public_url {url!r}: no query or fragment")
    return url.rstrip("/")


def check_socket_url(url: str) -> str:
    """A socket base as given (gateway_url), without a trailing slash; ValueError unless it is
    a ws:// or wss:// URL with a host and no path, query or fragment (paths are appended)."""
    parts = urlsplit(url)
    if parts.scheme not in ("ws", "wss") or not parts.hostname:
        raise ValueError(f"gateway_url {url!r}: a ws:// or wss:// URL with a host")
    if parts.path.strip("/") or parts.query or parts.fragment:
        raise ValueError(f"gateway_url {url!r}: no path, query or fragment")
    return url.rstrip("/")


def gateway_url_at(base: str, port: int) -> str:
    """The socket base of a process reached at base's host, on port: `hubbub serve
    --gateway-port`'s gateway_url."""
    parts = urlsplit(base)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    return f"{'wss' if parts.scheme == 'https' else 'ws'}://{host}:{port}"


def socket_base(base: str) -> str:
    """The sockets' base for a server at base: the same address, ws:// for http://, wss:// for
    https://."""
    scheme, _, rest = base.partition("://")
    return f"{'wss' if scheme == 'https' else 'ws'}://{rest}"


@dataclass(frozen=True, slots=True)
class PublicUrls:
    # The Web API's, pages' and hooks' base, without a trailing slash: "https://chat.example.com".
    base: str
    # Where clients open RTM and Socket Mode sockets: rtm_url, else from base.
    socket: str

    @classmethod
    def at(cls, base: str, rtm_url: str | None = None) -> PublicUrls:
        base = base.rstrip("/")
        return cls(base, rtm_url.rstrip("/") if rtm_url else socket_base(base))

    def workspace(self) -> str:
        """auth.test's and team.info's `url`: Slack's ends in a slash."""
        return f"{self.base}/"

    def permalink(self, msg: Message) -> str:
        link = f"{self.base}{ARCHIVES_PATH}{msg.channel_id}/p{msg.ts.replace('.', '')}"
        if msg.thread_ts and msg.thread_ts != msg.ts:
            link += f"?thread_ts={msg.thread_ts}&cid={msg.channel_id}"
        return link

    def invite(self, code: str) -> str:
        return f"{self.base}{JOIN_PATH}{code}"

    def command_response(self, code: str) -> str:
        return f"{self.base}{COMMAND_RESPONSE_PATH}{code}"

    def action_response(self, code: str) -> str:
        return f"{self.base}{ACTION_RESPONSE_PATH}{code}"

    def webhook(self, team_id: str, webhook_id: str, secret: str) -> str:
        return f"{self.base}{WEBHOOK_PATH}{team_id}/{webhook_id}/{secret}"

    def rtm(self, ticket: str, gateway: str | None = None) -> str:
        """An RTM socket's URL, at gateway (a socket base) or the settings' one address."""
        return f"{gateway or self.socket}{RTM_PATH}?ticket={ticket}"

    def socket_mode(self, ticket: str, app_id: str, gateway: str | None = None) -> str:
        return f"{gateway or self.socket}{SOCKET_MODE_PATH}?ticket={ticket}&app_id={app_id}"

    def upload(self, ticket: str) -> str:
        return f"{self.base}{UPLOAD_PATH}{ticket}"

    def file_private(self, team_id: str, file_id: str, name: str) -> str:
        return f"{self.base}{FILES_PRI_PATH}{team_id}-{file_id}/{_segment(name)}"

    def file_download(self, team_id: str, file_id: str, name: str) -> str:
        return f"{self.base}{FILES_PRI_PATH}{team_id}-{file_id}/download/{_segment(name)}"

    def file_permalink(self, user_id: str, file_id: str, name: str) -> str:
        return f"{self.base}{FILES_PATH}{user_id}/{file_id}/{_segment(name)}"

    def file_thumb(self, team_id: str, file_id: str, edge: str, name: str) -> str:
        return f"{self.base}{FILES_TMB_PATH}{team_id}-{file_id}/{edge}/{_segment(name)}"

    def emoji(self, team_id: str, name: str, sha256: str, extension: str) -> str:
        return f"{self.base}{EMOJI_PATH}{team_id}/{_segment(name)}/{sha256[:16]}.{extension}"


def _segment(name: str) -> str:
    """A file name as one path segment: every character a URL could read otherwise escaped."""
    return quote(name, safe="")
