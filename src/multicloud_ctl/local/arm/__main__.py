"""`python -m multicloud_ctl.local.arm --port N`: run the fake Azure Resource Manager on 127.0.0.1."""

from __future__ import annotations

import argparse
import signal
import sys


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m multicloud_ctl.local.arm", description=__doc__)
    parser.add_argument("--port", type=int, required=True, help="port on 127.0.0.1")
    parser.add_argument("--lro-polls", type=int, default=2, help="polls before an operation reports Succeeded")
    parser.add_argument(
        "--throttle-writes",
        metavar="BUCKET,REFILL_PER_S",
        help="throttle writes per subscription with ARM's token bucket (ARM itself: 200,10); off by default",
    )
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    from multicloud_ctl.local.arm.server import serve
    from multicloud_ctl.local.arm.throttle import WriteThrottle

    throttle = None
    if args.throttle_writes:
        bucket, _, refill = args.throttle_writes.partition(",")
        throttle = WriteThrottle(int(bucket), float(refill or 10))
    serve(args.port, lro_polls=args.lro_polls, throttle=throttle, verbose=args.verbose)


if __name__ == "__main__":
    main()
