"""The server-rendered pages. Every piece of text that came from a person goes through _e."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from hubbub.services.workspaces import Home
from hubbub.web.session import CSRF_FIELD

_STYLE = """
body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f8f8f8;color:#1d1c1d}
main{max-width:32rem;margin:3rem auto;padding:2rem;background:#fff;border-radius:8px;
box-shadow:0 1px 3px rgba(0,0,0,.15)}
label{display:block;margin-top:1rem;font-weight:600}
input{display:block;width:100%;box-sizing:border-box;padding:.5rem;font:inherit;margin-top:.25rem}
small{display:block;margin-top:.25rem;color:#5e5d60}
button{margin-top:1.5rem;padding:.5rem 1.25rem;font:inherit;cursor:pointer}
.error{background:#fde8e8;border:1px solid #e0a0a0;padding:.75rem;border-radius:4px}
ul.channels{padding-left:1.25rem}
"""


def _e(text: str) -> str:
    return escape(text, quote=True)


def _page(title: str, body: str, *, csrf_meta: str | None = None) -> str:
    meta = f'<meta name="csrf-token" content="{_e(csrf_meta)}">' if csrf_meta else ""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"{meta}<title>{_e(title)} · hubbub</title><style>{_STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )


def _error(message: str | None) -> str:
    return f'<p class="error" role="alert">{_e(message)}</p>' if message else ""


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    label: str
    kind: str = "text"
    autocomplete: str = "off"
    hint: str = ""


def _field(field: Field, value: str) -> str:
    hint_id = f"{field.name}-hint"
    described = f' aria-describedby="{hint_id}"' if field.hint else ""
    hint = f'<small id="{hint_id}">{_e(field.hint)}</small>' if field.hint else ""
    # A password is never written back into a page.
    shown = "" if field.kind == "password" else f' value="{_e(value)}"'
    return (
        f'<label for="{field.name}">{_e(field.label)}</label>'
        f'<input id="{field.name}" name="{field.name}" type="{field.kind}"{shown} required '
        f'autocomplete="{field.autocomplete}"{described}>{hint}'
    )


def _form(action: str, csrf: str, fields: list[Field], values: dict[str, str], button: str) -> str:
    inputs = "".join(_field(f, values.get(f.name, "")) for f in fields)
    return (
        f'<form method="post" action="{action}">'
        f'<input type="hidden" name="{CSRF_FIELD}" value="{_e(csrf)}">'
        f'{inputs}<button type="submit">{_e(button)}</button></form>'
    )


NEW_PASSWORD = Field(
    "password",
    "Password",
    kind="password",
    autocomplete="new-password",
    hint="At least 8 characters.",
)
EMAIL = Field("email", "Email", kind="email", autocomplete="email")
# Who someone new is: signing up a workspace, or joining one by an invite link.
PERSON_FIELDS = [Field("name", "Your name", autocomplete="name"), EMAIL, NEW_PASSWORD]

SIGNUP_FIELDS = [
    Field("team_name", "Workspace name", autocomplete="organization"),
    Field(
        "domain",
        "Workspace domain",
        hint="1 to 21 lowercase letters, digits or inner hyphens.",
    ),
    *PERSON_FIELDS,
]

LOGIN_FIELDS = [
    Field("domain", "Workspace domain"),
    Field("email", "Email", kind="email", autocomplete="username"),
    Field("password", "Password", kind="password", autocomplete="current-password"),
]


def signup_page(csrf: str, values: dict[str, str], error: str | None = None) -> str:
    body = (
        "<h1>Create a workspace</h1>"
        + _error(error)
        + _form("/signup", csrf, SIGNUP_FIELDS, values, "Create workspace")
        + '<p>Already have one? <a href="/login">Sign in</a></p>'
    )
    return _page("Create a workspace", body)


def login_page(csrf: str, values: dict[str, str], error: str | None = None) -> str:
    body = (
        "<h1>Sign in</h1>"
        + _error(error)
        + _form("/login", csrf, LOGIN_FIELDS, values, "Sign in")
        + '<p>New here? <a href="/signup">Create a workspace</a></p>'
    )
    return _page("Sign in", body)


def welcome_page() -> str:
    body = (
        "<h1>hubbub</h1><p>Team messaging.</p>"
        '<p><a href="/login">Sign in</a> or <a href="/signup">create a workspace</a>.</p>'
    )
    return _page("Welcome", body)


def app_page(home: Home, csrf: str) -> str:
    """The browser client's shell: the client (static/app.js) draws everything inside #app from
    the Web API and the RTM socket. Without script, the page still says who is signed in, lists
    their channels and can sign out."""
    you = home.user.real_name or home.user.name
    channels = "".join(f"<li>#{_e(c.name)}</li>" for c in home.channels)
    listing = f'<ul class="channels">{channels}</ul>' if channels else "<p>No channels yet.</p>"
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f'<meta name="csrf-token" content="{_e(csrf)}">'
        f'<meta name="hubbub-team" content="{_e(home.team.id)}">'
        f'<meta name="hubbub-user" content="{_e(home.user.id)}">'
        f"<title>{_e(home.team.name)} · hubbub</title>"
        '<link rel="icon" href="data:,"><link rel="stylesheet" href="/static/app.css">'
        '<link rel="modulepreload" href="/static/api.js">'
        '<script type="module" src="/static/app.js"></script></head>'
        f'<body><div id="app" data-team-name="{_e(home.team.name)}"></div>'
        f"<noscript><main><h1>{_e(home.team.name)}</h1>"
        f"<p>Signed in as <strong>{_e(you)}</strong>. hubbub's client needs JavaScript.</p>"
        f"<h2>Channels</h2>{listing}</main></noscript>"
        '<form id="logout" method="post" action="/logout" hidden>'
        f'<input type="hidden" name="{CSRF_FIELD}" value="{_e(csrf)}"></form>'
        "</body></html>"
    )


def forbidden_page() -> str:
    return _page(
        "Forbidden",
        "<h1>Forbidden</h1><p>This form has expired or did not come from this site. "
        '<a href="/">Start again</a>.</p>',
    )


def bad_request_page() -> str:
    return _page("Bad request", '<h1>Bad request</h1><p><a href="/">Start again</a>.</p>')


def not_found_page() -> str:
    return _page(
        "Not found",
        '<h1>Not found</h1><p>There is nothing here you can see. <a href="/">Start again</a>.</p>',
    )
