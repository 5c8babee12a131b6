"""Benchmarks: `hubbub bench ...` scenarios.

Each scenario runs the server and its load generator as separate processes on 127.0.0.1, for a
bounded time, and writes one JSON document to `bench/results/`. The pure parts (percentiles, the
shape of a result) live in `stats`; `load` is the load generator (`python -m hubbub_bench.load`);
`ceiling` is the bare endpoint a scenario is compared with; `post` is the `bench post` scenario.
`fanout` is `bench fanout`: its client process is `fanclient`, its bare server `fanceiling`, and
both speak WebSocket through `wire`.
"""
