"""The one way this code opens Redis clients (app.py, bus/redis.py).

redis-py's asyncio pool raises MaxConnectionsError once its connections (100 by default) are
all in use, which a burst does: 1,000 sockets closing at once are 1,000 presence updates in
flight. A blocking pool makes the excess wait for a free connection instead, for up to
POOL_WAIT_S, and bounds what one process holds open on the Redis server.
"""

from __future__ import annotations

from typing import Any

from redis.asyncio import BlockingConnectionPool, Redis

MAX_CONNECTIONS = 64
POOL_WAIT_S = 5.0


def redis_client(url: str, *, max_connections: int = MAX_CONNECTIONS, **options: Any) -> Redis:
    pool = BlockingConnectionPool.from_url(
        url, max_connections=max_connections, timeout=POOL_WAIT_S, **options
    )
    return Redis(connection_pool=pool)
