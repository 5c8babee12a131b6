"""Background jobs: outbox, relay, workers and handlers (docs/architecture.md §1)."""
