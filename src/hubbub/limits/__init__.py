"""The Limiter port and its adapters: token buckets for rate limits."""
