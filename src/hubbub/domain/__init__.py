"""Pure types and rules. Nothing here performs I/O."""
