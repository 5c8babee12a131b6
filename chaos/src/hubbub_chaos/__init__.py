"""`hubbub chaos`: a deployment under random faults, its history recorded and checked
(docs/reliability.md)."""
