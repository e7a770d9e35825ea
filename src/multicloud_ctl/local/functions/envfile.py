"""The functions host's settings file: `KEY=VALUE` lines of `MCCTL_FN_*` variables (references, not secrets).

`mcctl local up` writes one per cloud from the Environment (after `bootstrap.ensure_sandbox`), and the host
process loads it into its environment before the first handler import, exactly as Lambda and the Functions
host inject their configuration.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from multicloud_ctl.operations.deploy.fnenv import CognitoPool, function_env

if TYPE_CHECKING:
    from multicloud_ctl.config.environment import Environment


def host_settings(
    env: Environment,
    cloud: str,
    pool: CognitoPool | None,
    *,
    state_dir: Path,
    max_deliveries: int = 5,
    smtp_port: int | None = None,
) -> dict[str, str]:
    """The settings of the `cloud` host: the deployed functions' settings + the sandbox's outbox and SMTP."""
    out = function_env(env, cloud, pool)
    url = out["MCCTL_FN_SQL_URL"]
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):  # relative: pin it to our cwd
        out["MCCTL_FN_SQL_URL"] = "sqlite:///" + str(Path(url[len("sqlite:///") :]).resolve())
    out["MCCTL_FN_SQL_CREATE_SCHEMA"] = "0"  # `local up` ran the migrations (bootstrap.ensure_sql_schema)
    out["MCCTL_FN_MAX_DELIVERIES"] = str(max_deliveries)
    out["MCCTL_FN_OUTBOX_DIR"] = str(state_dir / "outbox")
    # the platform's log capture and the span collector of the sandbox (`mcctl logs`, `mcctl trace show`)
    out["MCCTL_FN_LOG_FILE"] = str(state_dir / "logs" / f"functions_{cloud}.jsonl")
    out["MCCTL_FN_TRACE_FILE"] = str(state_dir / "traces" / f"spans_{cloud}.jsonl")
    if cloud == "aws":  # the REST API the sandbox's API Gateway routes by (provision's apigateway_rest_api)
        from multicloud_ctl.operations.provision.kinds.apigateway_rest_api import rest_api_name

        out["MCCTL_FN_REST_API"] = rest_api_name(env.name)
    if cloud == "azure":
        out["REGION_NAME"] = env.azure.regions.primary  # what the Functions host sets
    if smtp_port:
        out["MCCTL_FN_SMTP_HOST"] = "127.0.0.1"
        out["MCCTL_FN_SMTP_PORT"] = str(smtp_port)
    return out


def write_env_file(path: Path, settings: dict[str, str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{k}={v}" for k, v in sorted(settings.items()) if "\n" not in v]
    path.write_text("# written by mcctl for the local functions host\n" + "\n".join(lines) + "\n")
    return path


def read_env_file(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            out[key.strip()] = value.strip()
    return out
