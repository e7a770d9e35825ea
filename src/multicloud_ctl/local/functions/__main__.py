"""Run one functions host: `python -m multicloud_ctl.local.functions --cloud aws|azure --port N --env-file F`.

Loads the env file into the process environment (before any handler is imported), starts the host and
serves until SIGTERM/SIGINT. Optional: `--smtp-port` (Azure: a real SMTP server for notification e-mail),
`--timer-interval` (run backup-service every N seconds instead of daily at 02:00 UTC), `--backup-env` +
`--config-dir` (bind the timer to the same backup core as `mcctl backup daily`).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import threading
from pathlib import Path
from typing import Any


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m multicloud_ctl.local.functions")
    p.add_argument("--cloud", choices=["aws", "azure"], required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--env-file", type=Path, required=True)
    p.add_argument("--no-bus", action="store_true", help="serve HTTP only (no queue triggers)")
    p.add_argument("--visibility", type=int, default=5, help="queue lock / visibility timeout in seconds")
    p.add_argument("--timer-interval", type=float, default=0.0)
    p.add_argument("--smtp-port", type=int, default=None)
    p.add_argument("--backup-env", default=None)
    p.add_argument("--config-dir", type=Path, default=Path("config"))
    return p.parse_args(argv)


def backup_core(env_name: str, config_dir: Path) -> Any:
    """The `mcctl backup daily` core as a plain callable for the backup-service timer."""

    def run() -> dict[str, Any]:
        from multicloud_ctl.config.loader import load_environment
        from multicloud_ctl.config.specs.backup import BackupSpec
        from multicloud_ctl.engine.runtime import Runtime
        from multicloud_ctl.operations.backup import run_daily

        env = load_environment(env_name, config_dir)
        return run_daily(Runtime(env), BackupSpec(mode="daily", buckets=[env.aws.buckets.product_images]))

    return run


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from multicloud_ctl.local.functions.envfile import read_env_file

    os.environ.update(read_env_file(args.env_file))
    from multicloud_ctl.local.functions.host import FunctionsHost, HostOptions

    outbox = Path(os.environ.get("MCCTL_FN_OUTBOX_DIR") or ".")
    opts = HostOptions(
        bus=not args.no_bus,
        visibility=args.visibility,
        timer_interval=args.timer_interval,
        smtp_port=args.smtp_port,
        smtp_dir=outbox / "smtp",
        backup_core=backup_core(args.backup_env, args.config_dir) if args.backup_env else None,
    )
    host = FunctionsHost(args.cloud, args.port, opts)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    host.start()
    logging.getLogger(__name__).info("functions host (%s) on 127.0.0.1:%d", args.cloud, args.port)
    stop.wait()
    host.stop()


if __name__ == "__main__":
    main()
