"""hubbub's one way out to other HTTP servers: a port, and an httpx adapter that refuses private
addresses (domain/addresses.py) after DNS and on every redirect."""
