"""Settings: environment variables HUBBUB_*, with defaults for the embedded deployment."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUBBUB_")

    data_dir: Path = Path("data")
    host: str = "127.0.0.1"
    port: int = 8080
    # "off" turns Slack's rate limits off (tests and benchmarks that post in bulk).
    rate_limits: bool = True
    max_body_bytes: int = 1 << 20
    # The address clients reach us at, for permalinks and auth.test's url; default from host:port.
    public_url: str | None = None

    @property
    def database(self) -> Path:
        return self.data_dir / "hubbub.sqlite3"

    @property
    def base_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"
