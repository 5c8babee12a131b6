"""The WebSocket gateway: RTM and Socket Mode sessions, fan-out, resume."""
