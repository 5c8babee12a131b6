"""The Tx's queries, one module per area; hubbub.store.tx puts them together."""
