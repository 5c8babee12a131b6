"""The Mailer port: sends one email, or raises so that its job is tried again."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Protocol


class Mailer(Protocol):
    @property
    def sender(self) -> str:
        """The From address of every email sent."""
        ...

    async def send(self, message: EmailMessage) -> None:
        """Hands the message to the mail server; raises OSError (or smtplib's errors) if it
        could not, within the adapter's timeout."""
        ...
