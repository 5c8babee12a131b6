"""Outgoing email: the Mailer port and its SMTP adapter."""
