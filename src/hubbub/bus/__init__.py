"""The Bus port and its adapters: how committed events reach the gateways."""
