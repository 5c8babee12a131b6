"""Incoming webhooks."""

from __future__ import annotations

from sqlalchemy import insert, select

from hubbub.domain.webhooks import Webhook
from hubbub.store.queries.base import TxBase
from hubbub.store.tables import webhooks


class WebhookQueries(TxBase):
    def insert_webhook(self, hook: Webhook, secret_hash: str) -> None:
        self.conn.execute(
            insert(webhooks).values(
                team_id=hook.team_id,
                webhook_id=hook.id,
                channel_id=hook.channel_id,
                user_id=hook.user_id,
                secret_hash=secret_hash,
                created=hook.created,
            )
        )

    def get_webhook(self, team_id: str, webhook_id: str) -> tuple[Webhook, str] | None:
        """The webhook and its secret's hash."""
        row = self.conn.execute(
            select(webhooks).where(
                webhooks.c.team_id == team_id, webhooks.c.webhook_id == webhook_id
            )
        ).first()
        if row is None:
            return None
        hook = Webhook(row.team_id, row.webhook_id, row.channel_id, row.user_id, int(row.created))
        return hook, row.secret_hash
