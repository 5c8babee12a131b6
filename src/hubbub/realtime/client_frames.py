"""The frames an RTM client may send, each checked against its schema before any of it is used.

A frame is a JSON object with a `type`; its other fields are typed here, so code past `parse`
handles only values of the types it expects (a presence_sub whose `ids` held a list once raised
TypeError deep in the session and closed the socket with 1006). What a schema refuses becomes
an error frame naming the field, and the socket stays open.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError

# Ids in a frame (channels, people) are short; the whole frame is bounded by MAX_CLIENT_FRAME.
Id = Annotated[StrictStr, Field(max_length=64)]


class ClientFrame(BaseModel):
    # Strict: "1" is not an id, true is not 1. Fields a type does not name are kept (ping echoes
    # them back, as Slack's does) and otherwise ignored.
    model_config = ConfigDict(strict=True, extra="allow", frozen=True)

    type: str
    # Slack: a positive integer, unique per connection, echoed as reply_to.
    id: Annotated[StrictInt, Field(gt=0, lt=2**53)] | None = None


class Ping(ClientFrame):
    type: Literal["ping"]


class Tickle(ClientFrame):
    type: Literal["tickle"]


class Message(ClientFrame):
    type: Literal["message"]
    # Missing ones are left to the service, whose errors the reply carries.
    channel: Id | None = None
    text: StrictStr | None = None


class Typing(ClientFrame):
    type: Literal["typing"]
    channel: Id


class PresenceSub(ClientFrame):
    type: Literal["presence_sub"]
    ids: list[Id]


class PresenceQuery(ClientFrame):
    type: Literal["presence_query"]
    ids: list[Id]


KINDS: dict[str, type[ClientFrame]] = {
    "ping": Ping,
    "tickle": Tickle,
    "message": Message,
    "typing": Typing,
    "presence_sub": PresenceSub,
    "presence_query": PresenceQuery,
}


class Refused(Exception):
    """A frame that is not one a client may send: `reply_to` if its id could be read, and the
    error's message (`invalid_id`, `unsupported_type`, `invalid_<field>`)."""

    def __init__(self, reply_to: int | None, msg: str, *, unsupported: bool = False) -> None:
        super().__init__(msg)
        self.reply_to, self.msg, self.unsupported = reply_to, msg, unsupported


def parse(body: dict[str, Any]) -> ClientFrame:
    """The frame body (a decoded JSON object) as its type's schema; Refused if it is not one."""
    kind = body.get("type")
    schema = KINDS.get(kind) if isinstance(kind, str) else None
    if schema is None:
        # Not a type a client may send: only its id is read, to reply to.
        try:
            header = ClientFrame.model_validate(
                {"type": body.get("type", ""), "id": body.get("id")}
            )
        except ValidationError as exc:
            raise Refused(None, _field_error(exc)) from exc
        raise Refused(header.id, "unsupported_type", unsupported=True)
    try:
        return schema.model_validate(body)
    except ValidationError as exc:
        # The reply names the frame's id unless the id is what was wrong.
        id_ok = all(error["loc"][:1] != ("id",) for error in exc.errors())
        raise Refused(body.get("id") if id_ok else None, _field_error(exc)) from exc


def _field_error(exc: ValidationError) -> str:
    where = exc.errors()[0]["loc"]
    field = where[0] if where else "frame"
    return f"invalid_{field}"
