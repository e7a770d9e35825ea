"""One functions host process: the HTTP front, the queue triggers and (Azure) the backup timer and SMTP sink.

    host = FunctionsHost("azure", port, HostOptions(...)); host.start(); ...; host.stop()

The host reads its configuration only from `MCCTL_FN_*` variables (loaded from the env file before start),
like the platforms it stands in for, so the handlers run with the settings a deploy would give them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from multicloud_ctl.local.functions.server import (
    FunctionsServer,
    api_router,
    aws_app,
    azure_app,
    lambda_platform,
    serve_in_thread,
)
from multicloud_ctl.local.functions.triggers import Poller, TimerTrigger, servicebus_trigger, sqs_event_source

log = logging.getLogger(__name__)

AWS_QUEUES = ("payments",)  # order-service's SQS consumer (payment outcomes -> order status)
AZURE_QUEUES = ("orders", "notifications", "analytics")  # payment-, notification-, analytics-processor


@dataclass(frozen=True)
class HostOptions:
    bus: bool = True
    visibility: int = 5
    timer_interval: float = 0.0  # 0: daily at 02:00 UTC
    smtp_port: int | None = None
    smtp_dir: Path | None = None
    backup_core: Callable[[], Mapping[str, Any] | None] | None = None


@dataclass
class FunctionsHost:
    cloud: str
    port: int
    options: HostOptions = HostOptions()
    pollers: list[Poller] = field(default_factory=list)
    timer: TimerTrigger | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _server: FunctionsServer | None = None
    _smtp: Any = None

    def start(self) -> None:
        if self.options.smtp_port and self.cloud == "azure":
            from multicloud_ctl.local.functions.smtp import start_smtp

            self._smtp, _ = start_smtp(self.options.smtp_port, self.options.smtp_dir or Path("outbox/smtp"))
        app = aws_app(lambda_platform, api_router) if self.cloud == "aws" else azure_app()
        self._server = FunctionsServer(self.port, self.cloud, app, self.admin)
        if self.options.bus:
            self.pollers = self._make_pollers()
        if self.cloud == "azure":
            self.timer = TimerTrigger("backup_service", self._backup, interval=self.options.timer_interval)
            self._spawn(self.timer.loop, "timer-backup")
        for poller in self.pollers:
            self._spawn(poller.run, f"queue-{poller.queue}")
        self._threads.append(serve_in_thread(self._server))

    def _spawn(self, target: Callable[[threading.Event], None], name: str) -> None:
        thread = threading.Thread(target=target, args=(self._stop,), daemon=True, name=name)
        thread.start()
        self._threads.append(thread)

    def _make_pollers(self) -> list[Poller]:
        from multicloud_ctl.functions.config import FunctionConfig

        cfg = FunctionConfig.from_env()
        if self.cloud == "aws":
            from multicloud_ctl.functions.adapters.aws import client
            from multicloud_ctl.functions.aws_lambda.order_events import handler

            sqs = client("sqs", cfg)
            return [
                Poller(
                    q,
                    sqs_event_source(sqs, cfg.queue_url(q), cfg.region, handler, visibility=self.options.visibility),
                )
                for q in AWS_QUEUES
            ]
        from multicloud_ctl.functions.adapters.bus import make_bus
        from multicloud_ctl.functions.azure.consumers import handle_message

        bus = make_bus(cfg)
        return [
            Poller(
                q,
                servicebus_trigger(
                    bus,
                    q,
                    handle_message,
                    max_deliveries=cfg.max_deliveries,
                    lock_seconds=self.options.visibility,
                ),
            )
            for q in AZURE_QUEUES
        ]

    def _backup(self) -> Mapping[str, Any]:
        from multicloud_ctl.functions.azure.backup import run_backup

        return run_backup(self.options.backup_core)

    def admin(self, method: str, path: str) -> tuple[int, Any]:
        """`GET /_admin/health` and `POST /admin/functions/NAME` (fire a timer now)."""
        if path == "/_admin/health":
            return 200, {
                "service": f"mcctl-functions-{self.cloud}",
                "status": "ok",
                "cloud": self.cloud,
                "queues": {p.queue: p.stats.as_dict() for p in self.pollers},
                "timers": {self.timer.name: self.timer.runs[-1:]} if self.timer else {},
            }
        name = path.rsplit("/", 1)[-1]
        if self.timer is not None and name in (self.timer.name, "backup-service"):
            return 200, self.timer.fire()
        return 404, {"error": f"no non-HTTP function named {name!r} on the {self.cloud} host"}

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._smtp is not None:
            self._smtp.stop()
        for thread in self._threads:
            thread.join(timeout=5)
