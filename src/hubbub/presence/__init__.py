"""The Presence port and its adapters: who is connected right now (ephemeral)."""
