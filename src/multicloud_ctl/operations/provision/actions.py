"""The engine actions provision plans use: `provision.create`, `provision.update`, `provision.delete`.

Each handler rebuilds the `Resource` from the step's params and calls its kind. A failure is re-raised
with the resource address in front of the provider's message (which already carries the request id), so
the journal and the terminal say which resource failed; retries happen below, in the SDK clients.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from multicloud_ctl.engine.actions import ACTIONS
from multicloud_ctl.errors import McctlError
from multicloud_ctl.operations.provision.model import Resource
from multicloud_ctl.operations.provision.registry import KINDS

if TYPE_CHECKING:
    from multicloud_ctl.engine.runtime import Runtime


def _with_address(res: Resource, call: Callable[[], Any]) -> Any:
    try:
        return call()
    except McctlError as exc:
        if not exc.message.startswith(res.address):
            exc.message = f"{res.address}: {exc.message}"
            exc.args = (exc.message,)
        raise


@ACTIONS.register("provision.create")
def create(runtime: Runtime, params: Mapping[str, Any]) -> Any:
    res = Resource.from_dict(params["resource"])
    return _with_address(res, lambda: KINDS[res.kind].create(runtime, res))


@ACTIONS.register("provision.update")
def update(runtime: Runtime, params: Mapping[str, Any]) -> Any:
    res = Resource.from_dict(params["resource"])
    changed = list(params.get("changed") or [])
    return _with_address(res, lambda: KINDS[res.kind].update(runtime, res, changed))


@ACTIONS.register("provision.delete")
def delete(runtime: Runtime, params: Mapping[str, Any]) -> Any:
    res = Resource.from_dict(params["resource"])
    return _with_address(res, lambda: KINDS[res.kind].delete(runtime, res))
