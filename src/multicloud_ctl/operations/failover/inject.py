"""Fault injection for drills: stop the side we leave, and always start it again.

`supervisor` runs `mcctl local stop <cloud>` / `mcctl local start <cloud>` (the sandbox supervisor stops
that cloud's functions host, a region outage); `http` posts to a stop/start URL on 127.0.0.1 (stand-in
origins in tests). Injection is refused outside a local environment: drills never break real clouds.
"""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from multicloud_ctl.errors import OperationFailed, SafetyRefused

if TYPE_CHECKING:
    from multicloud_ctl.config.specs.failover import Injection
    from multicloud_ctl.engine.runtime import Runtime


@dataclass
class Outage:
    """One injectable outage of `cloud`."""

    cloud: str
    spec: Injection
    env_name: str
    config_dir: Path | None = None
    timeout: float = 30.0

    def describe(self) -> str:
        if self.spec.method == "http":
            return f"POST {self.spec.stop_url}"
        return f"mcctl local stop {self.cloud}"

    def _mcctl(self, verb: str) -> None:
        cmd = [sys.executable, "-m", "multicloud_ctl", "--env", self.env_name, "--yes"]
        if self.config_dir is not None:
            cmd += ["--config-dir", str(self.config_dir)]
        cmd += ["local", verb, self.cloud]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=self.timeout, check=False)
        if proc.returncode != 0:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
            raise OperationFailed(f"`mcctl local {verb} {self.cloud}` failed (exit {proc.returncode}): {tail[0]}")

    def _post(self, url: str) -> None:
        req = urllib.request.Request(url, method="POST", data=b"")
        try:
            urllib.request.urlopen(req, timeout=self.timeout).close()
        except OSError as exc:
            raise OperationFailed(f"fault injection call {url} failed: {exc}") from exc

    def stop(self) -> None:
        if self.spec.method == "http":
            self._post(str(self.spec.stop_url))
        else:
            self._mcctl("stop")

    def start(self) -> None:
        if self.spec.method == "http":
            self._post(str(self.spec.start_url))
        else:
            self._mcctl("start")


def outage_for(runtime: Runtime, cloud: str, spec: Injection, config_dir: Path | None) -> Outage:
    if not runtime.environment.is_local:
        raise SafetyRefused(
            f"--inject is for the local sandbox only, not the {runtime.environment.name} environment",
            hint="drill without --inject against a real cloud",
        )
    return Outage(cloud, spec, runtime.environment.name, config_dir)
