"""`python -m multicloud_ctl.local.arm --port N`: run the fake Azure Resource Manager on 127.0.0.1."""

from __future__ import annotations

import argparse
import signal
import sys


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m multicloud_ctl.local.arm", description=__doc__)
    parser.add_argument("--port", type=int, required=True, help="port on 127.0.0.1")
    parser.add_argument("--lro-polls", type=int, default=1, help="polls before an operation reports Succeeded")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    from multicloud_ctl.local.arm.server import serve

    serve(args.port, lro_polls=args.lro_polls, verbose=args.verbose)


if __name__ == "__main__":
    main()
