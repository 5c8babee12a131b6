"""The `/api/<method>` endpoint: parse, authenticate, rate limit, dispatch, answer."""

from __future__ import annotations

from typing import Any

import structlog
from starlette.requests import ClientDisconnect, Request
from starlette.types import Receive, Scope, Send

from hubbub.api.call import Call
from hubbub.api.envelope import Answer, error, ok
from hubbub.api.parse import BodyTooLarge, bearer_token, read_args
from hubbub.api.ratelimit import retry_after
from hubbub.api.registry import Method
from hubbub.api.upload_body import UploadBody, is_multipart
from hubbub.domain.apps import APP_TOKEN_KIND, missing_scope, needed_scopes
from hubbub.domain.errors import RateLimited, SlackError, Unavailable
from hubbub.domain.model import Identity
from hubbub.limits.port import Limiter
from hubbub.services import apps
from hubbub.services.auth import authenticate
from hubbub.services.deadlines import writes_within
from hubbub.services.hub import Hub
from hubbub.web.session import api_session_token

log = structlog.get_logger()

ANONYMOUS = Identity(
    team_id="",
    user_id="",
    token_kind="",
    token_hash="",
    is_admin=False,
    bot_id=None,
    scopes=frozenset(),
)


class WebApi:
    def __init__(
        self,
        hub: Hub,
        limiter: Limiter,
        methods: dict[str, Method],
        *,
        max_body: int,
        write_deadline_s: float,
    ) -> None:
        self.hub = hub
        self.limiter = limiter
        self.methods = methods
        self.max_body = max_body
        self.write_deadline_s = write_deadline_s

    async def asgi(self, scope: Scope, receive: Receive, send: Send) -> None:
        """`/api/<method>` as a plain ASGI application: the Web API answers every request
        itself (envelope, errors, status), so a framework's router and middleware would only
        add cost on the busiest path (profiled at about a sixth of a post's time)."""
        scope["path_params"] = {"method": scope["path"][len("/api/") :]}
        answer = await self.handle(Request(scope, receive))
        await answer.send(send, scope["headers"])

    async def handle(self, request: Request) -> Answer:
        name = request.path_params["method"]
        if request.method not in ("GET", "POST", "HEAD"):
            return error(SlackError("method_not_allowed"), 405, Allow="GET, POST")
        method = self.methods.get(name)
        if method is None:
            return error(SlackError("unknown_method", req_method=name))
        # An upload's writes come after its bytes, which may take minutes to arrive.
        deadline = None if method.streams else self.write_deadline_s
        try:
            with writes_within(deadline):
                return await self._dispatch(request, method)
        except Unavailable as exc:
            return error(exc, 503, **{"Retry-After": str(Unavailable.RETRY_AFTER_S)})
        except RateLimited as exc:  # an abuse limit a method takes (services/abuse.py)
            return error(exc, 429, **{"Retry-After": str(exc.retry_after_s)})
        except SlackError as exc:
            return error(exc)
        except BodyTooLarge:
            # The rest of the body may still be on its way: the connection is closed after the
            # answer, or what follows would be read as the next request.
            return error(SlackError("request_too_large"), 413, Connection="close")
        except ClientDisconnect:
            # The client hung up before its body was all sent: nobody is there to answer.
            log.info("api_client_gone", method=name)
            return error(SlackError("request_aborted"), 400, Connection="close")
        except Exception:
            log.exception("api_call_failed", method=name)
            return error(SlackError("internal_error"), 500)

    async def _dispatch(self, request: Request, method: Method) -> Answer:
        body = None
        if method.streams and request.method == "POST" and is_multipart(request):
            # The handler reads the file as it arrives (api/upload_body.py). The fields before
            # it are read now (bounded: FORM_OVERHEAD), as they may hold the token: curl's
            # `-F token=… -F file=@…`, the way Slack's files.upload docs show.
            body = UploadBody(request, self.hub.file_limits.max_bytes)
            await body.start()
            args: dict[str, Any] = {**body.fields, **request.query_params}
        else:
            args = await read_args(request, self.max_body)
        token = bearer_token(request) or _token_arg(args)
        # Browser session: with no token given, the session cookie counts, but only together
        # with its CSRF token in the X-CSRF-Token header (web/session.py), so no other site's
        # page can call the API as the signed-in person.
        token = token or api_session_token(request)
        who = ANONYMOUS
        if method.auth or token:
            who = await authenticate(self.hub, token)
        live = self.hub.live
        if live.rate_limits and method.auth:
            channel = args.get("channel")
            wait = await retry_after(
                self.limiter,
                method,
                who,
                channel if isinstance(channel, str) else None,
                live.rate_scale,
            )
            if wait:
                return error(SlackError("ratelimited"), 429, **{"Retry-After": str(wait)})
        if method.user_token and who.token_kind in ("xoxb", APP_TOKEN_KIND):
            raise SlackError("not_allowed_token_type")
        if who.app_id is not None:
            return await self._as_app(method, who, args, body)
        if method.app_token:
            raise SlackError("not_allowed_token_type")
        return ok(await method.handler(Call(self.hub, who, method.name, args, body)))

    async def _as_app(
        self, method: Method, who: Identity, args: dict[str, Any], body: UploadBody | None
    ) -> Answer:
        """An app's token: an app-level one calls only its own methods; a bot token needs the
        method's scopes (docs/integrations.md). People's and legacy bots' tokens have all.

        As Slack's, the answer says in X-OAuth-Scopes what the token was granted and in
        X-Accepted-OAuth-Scopes which scopes the method took (one of them will do), on its
        errors too (a missing scope among them); @slack/web-api reads them into
        `response_metadata` (`scopes`, `acceptedScopes`)."""
        if (who.token_kind == APP_TOKEN_KIND) != method.app_token:
            raise SlackError("not_allowed_token_type")
        need = method.scopes
        accepted: tuple[str, ...] = ()
        if need is not None and (need.any_of or need.by_channel):
            kind = None
            if need.by_channel is not None:
                kind = await apps.channel_kind(self.hub, who, args.get("channel"))
            accepted = needed_scopes(need, kind)
        headers = [("X-OAuth-Scopes", ",".join(sorted(who.scopes)))]
        if accepted:
            headers.append(("X-Accepted-OAuth-Scopes", ",".join(accepted)))
        try:
            refused = missing_scope(who.scopes, accepted)
            if refused is not None:
                raise refused
            answer = ok(await method.handler(Call(self.hub, who, method.name, args, body)))
        except (Unavailable, RateLimited):
            raise  # answered with their own status and Retry-After (handle)
        except SlackError as exc:
            answer = error(exc)
        return Answer(answer.body, answer.status, tuple(headers))


def _token_arg(args: dict[str, Any]) -> str | None:
    token = args.pop("token", None)
    return token if isinstance(token, str) and token else None
