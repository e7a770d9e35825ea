"""`local/edge`: the sandbox's stand-in for Cloudflare (API subset now; the request proxy joins later).

Layout: `store.py` holds the shared state (`EdgeStore`), `api.py` the `/client/v4` HTTP API,
`server.py` starts them (`run_edge_api`, `serve`), `__main__.py` is the process entry point. A request
proxy module plugs in by exposing `start_proxy(store, port, *, verbose=False) -> ServerHandle-like` in
`local/edge/proxy.py`; `serve(..., proxy_port=N)` then runs it in the same process over the same store.
"""

from __future__ import annotations
