"""`mcctl secrets rotate api-key`: replace the service API key in both clouds without a failed request.

The key list in each store is `current[,previous]` (see apikey_store). Three mutating steps, each verified
against the live functions before the next one starts:

1. stage   - both stores: `[old, new]`; wait until BOTH clouds accept `new` (they still send `old`).
2. promote - both stores: `[new, old]`; every caller now sends `new`; wait `grace` seconds so that every
             function instance has re-read the store (their refresh interval) before `old` goes away.
3. retire  - both stores: `[new]`; wait until BOTH clouds reject `old`.

Acceptance is probed with `GET /orders/mcctl-key-probe` and the key in `X-Api-Key`: 401 means refused,
anything else (404) means the key passed authentication. Key values never enter the plan, the journal or
the output (they are read from the stores inside each step and registered with the redactor).
"""

from __future__ import annotations

import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from multicloud_ctl.engine.actions import ACTIONS
from multicloud_ctl.engine.clock import iso
from multicloud_ctl.engine.plan import Plan, Step
from multicloud_ctl.errors import OperationFailed
from multicloud_ctl.operations.security.apikey_store import (
    aws_secret_name,
    keyvault_secret_url,
    read_state,
    write_keys,
)

if TYPE_CHECKING:
    from multicloud_ctl.engine.runtime import Runtime

PROBE_PATH = "/orders/mcctl-key-probe"


def probe_targets(runtime: Runtime) -> dict[str, str]:
    """cloud -> functions base URL (only the ones the environment knows)."""
    ends = runtime.environment.endpoints()
    return {c: u.rstrip("/") for c, u in (("aws", ends.functions_aws), ("azure", ends.functions_azure)) if u}


def accepts(base_url: str, key: str, timeout: float = 5.0) -> bool | None:
    """True if the API at `base_url` accepts `key`, False if it answers 401, None if unreachable."""
    req = urllib.request.Request(base_url + PROBE_PATH, headers={"x-api-key": key, "accept": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout):
            return True
    except urllib.error.HTTPError as exc:
        return exc.code != 401
    except OSError:
        return None


def wait_for(runtime: Runtime, key: str, *, accepted: bool, timeout_s: float, what: str) -> dict[str, Any]:
    """Poll every cloud until it accepts (or rejects) `key`; OperationFailed after `timeout_s`."""
    targets = probe_targets(runtime)
    deadline = time.monotonic() + timeout_s
    pending = dict(targets)
    while pending:
        for cloud, url in list(pending.items()):
            if accepts(url, key) is accepted:
                del pending[cloud]
        if not pending:
            break
        if time.monotonic() > deadline:
            raise OperationFailed(
                f"{what}: {', '.join(sorted(pending))} did not "
                f"{'accept' if accepted else 'reject'} the key within {timeout_s:.0f} s",
                hint="check the functions' MCCTL_FN_API_KEYS_TTL and their secret references",
            )
        time.sleep(0.5)
    return {"probed": sorted(targets), "accepted" if accepted else "rejected": sorted(targets)}


def _current(runtime: Runtime) -> list[str]:
    state = read_state(runtime)
    return state.aws_keys or state.azure_keys


@ACTIONS.register("apikey.stage")
def stage(runtime: Runtime, params: Mapping[str, Any]) -> Any:
    old = _current(runtime)[:1]
    new = secrets.token_urlsafe(32)
    runtime.secrets.redactor.add(new)
    out = write_keys(runtime, [*old, new])
    out.update(wait_for(runtime, new, accepted=True, timeout_s=float(params["wait_s"]), what="stage"))
    return out


@ACTIONS.register("apikey.unstage")
def unstage(runtime: Runtime, params: Mapping[str, Any]) -> Any:
    keys = _current(runtime)
    return write_keys(runtime, keys[:1]) if len(keys) > 1 else {"unchanged": True}


@ACTIONS.register("apikey.promote")
def promote(runtime: Runtime, params: Mapping[str, Any]) -> Any:
    keys = _current(runtime)
    if len(keys) < 2:
        return {"bootstrap": True}  # first key ever: nothing to swap
    out = write_keys(runtime, [keys[-1], keys[0]])
    time.sleep(float(params["grace_s"]))
    out["grace_s"] = str(params["grace_s"])
    return out


@ACTIONS.register("apikey.retire")
def retire(runtime: Runtime, params: Mapping[str, Any]) -> Any:
    keys = _current(runtime)
    if len(keys) < 2:
        return {"bootstrap": True}
    new, old = keys[0], keys[1]
    out = write_keys(runtime, [new])
    out.update(wait_for(runtime, old, accepted=False, timeout_s=float(params["wait_s"]), what="retire"))
    return out


def build_rotation_plan(runtime: Runtime, *, grace_s: float, wait_s: float) -> Plan:
    """The three steps (read-only calls only: what the stores hold now decides the summary)."""
    env = runtime.environment
    state = read_state(runtime)
    where = f"secretsmanager:{aws_secret_name(env)} + keyvault:{keyvault_secret_url(env)}"
    stage_step = Step(
        "stage",
        "apikey.stage",
        f"add a new key to {where}; wait until both clouds accept it",
        provider="both",
        params={"wait_s": wait_s},
        resource=where,
        rollback=Step("unstage", "apikey.unstage", "drop the staged key again", provider="both", resource=where),
    )
    steps = (
        stage_step,
        Step(
            "promote",
            "apikey.promote",
            f"make the new key current (sent on calls); wait {grace_s:.0f} s grace",
            provider="both",
            params={"grace_s": grace_s},
            resource=where,
        ),
        Step(
            "retire",
            "apikey.retire",
            "retire the old key; wait until both clouds reject it",
            provider="both",
            params={"wait_s": wait_s},
            resource=where,
        ),
    )
    summary = {
        "aws_keys_now": len(state.aws_keys),
        "azure_keys_now": len(state.azure_keys),
        "aws_last_changed": iso(state.aws_changed) if state.aws_changed else None,
        "azure_last_changed": iso(state.azure_changed) if state.azure_changed else None,
        "probe_targets": sorted(probe_targets(runtime)),
    }
    return Plan("secrets rotate api-key", steps, summary=summary)
