"""Slack's Web API: one module per method family, and the plumbing they share."""
