"""Start the fake Cloudflare edge: the API (and, when present, the request proxy) over one `EdgeStore`."""

from __future__ import annotations

import importlib
import threading
from pathlib import Path
from typing import Any

from multicloud_ctl.local.edge.api import EdgeApiServer
from multicloud_ctl.local.edge.store import EdgeStore
from multicloud_ctl.local.jsonhttp import ServerHandle, start_in_thread

TOKEN_ENV = "MCCTL_EDGE_TOKEN"


def run_edge_api(
    port: int = 0,
    *,
    token: str,
    store: EdgeStore | None = None,
    state_file: Path | None = None,
    verbose: bool = False,
) -> ServerHandle:
    """Start the Cloudflare API fake on 127.0.0.1:port (0 = any free port) in a background thread.

    The handle's `server.store` is the `EdgeStore` to share with a proxy or to inspect in tests.
    """
    store = store or EdgeStore(path=state_file)
    return start_in_thread(EdgeApiServer(port, token=token, store=store, verbose=verbose))


def start_proxy(store: EdgeStore, port: int, *, verbose: bool = False, pop: str | None = None) -> Any:
    """Start `local/edge/proxy.py`'s request proxy over `store` (raises if that module is not there yet)."""
    module = importlib.import_module("multicloud_ctl.local.edge.proxy")
    return module.start_proxy(store, port, verbose=verbose, pop=pop)


def serve(
    api_port: int,
    *,
    token: str,
    state_file: Path | None = None,
    proxy_port: int | None = None,
    verbose: bool = False,
    pop: str | None = None,
) -> None:
    """Run the edge in the foreground until interrupted (`python -m multicloud_ctl.local.edge`)."""
    store = EdgeStore(path=state_file)
    api = EdgeApiServer(api_port, token=token, store=store, verbose=verbose)
    proxy = start_proxy(store, proxy_port, verbose=verbose, pop=pop) if proxy_port else None
    try:
        api.serve_forever()
    finally:
        api.server_close()
        if proxy is not None and hasattr(proxy, "stop"):
            threading.Thread(target=proxy.stop, daemon=True).start()
