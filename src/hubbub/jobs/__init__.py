"""Background jobs: outbox, relay, workers and handlers (DESIGN.md §2)."""
