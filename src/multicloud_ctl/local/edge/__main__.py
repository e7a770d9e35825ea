"""`python -m multicloud_ctl.local.edge --api-port N`: run the fake Cloudflare edge on 127.0.0.1.

The API token comes from the environment variable MCCTL_EDGE_TOKEN (never from argv, which `ps` shows).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m multicloud_ctl.local.edge", description=__doc__)
    parser.add_argument("--api-port", type=int, required=True, help="port of the /client/v4 API on 127.0.0.1")
    parser.add_argument("--proxy-port", type=int, default=None, help="port of the request proxy (optional)")
    parser.add_argument("--state-file", type=Path, default=None, help="persist the edge state to this JSON file")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    parser.add_argument(
        "--pop", default=None, help="the data centre the proxy plays for geo/proximity steering [$MCCTL_EDGE_POP, LHR]"
    )
    args = parser.parse_args(argv)
    from multicloud_ctl.local.edge.server import TOKEN_ENV, serve

    token = os.environ.get(TOKEN_ENV, "")
    if not token:
        parser.error(f"set {TOKEN_ENV} to the API token clients must present")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    serve(
        args.api_port,
        token=token,
        state_file=args.state_file,
        proxy_port=args.proxy_port,
        verbose=args.verbose,
        pop=args.pop,
    )


if __name__ == "__main__":
    main()
