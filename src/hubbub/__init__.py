"""hubbub: a self-hosted team messaging server that speaks Slack's API."""

__version__ = "0.1.0"
