"""Storage: the Store port, the transaction interface services use, and adapters."""
