"""Use cases: the only writers. Every front door calls them; they check rights and emit events."""
