"""The browser client and its page routes."""
