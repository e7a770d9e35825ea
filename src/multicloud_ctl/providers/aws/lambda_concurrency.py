"""A thin typed client for Lambda concurrency: reserved (per function) and provisioned (per alias/version).

Used by failover's enhanced capacity; the deploy verb's Lambda client lives in `lambda_.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import NotFound
from multicloud_ctl.providers.aws.errors import aws_errors

if TYPE_CHECKING:
    from multicloud_ctl.providers.aws.session import AwsClients


@dataclass(frozen=True)
class ProvisionedConcurrency:
    """A provisioned concurrency config of one qualifier."""

    function: str
    qualifier: str
    requested: int
    available: int | None
    status: str | None  # IN_PROGRESS, READY, FAILED


class LambdaConcurrency:
    """Get/Put/Delete FunctionConcurrency and ProvisionedConcurrencyConfig."""

    def __init__(self, clients: AwsClients, region: str | None = None) -> None:
        self._clients = clients
        self._region = region

    @property
    def _c(self) -> Any:
        return self._clients.client("lambda", self._region)

    # ---- reserved ---------------------------------------------------------------------------------
    def reserved(self, function: str) -> int | None:
        """Reserved concurrency of `function` now; None when none is set."""
        with aws_errors("GetFunctionConcurrency", function):
            got = self._c.get_function_concurrency(FunctionName=function)
        value = got.get("ReservedConcurrentExecutions")
        return None if value is None else int(value)

    def put_reserved(self, function: str, value: int) -> int:
        with aws_errors("PutFunctionConcurrency", function):
            got = self._c.put_function_concurrency(FunctionName=function, ReservedConcurrentExecutions=int(value))
        return int(got.get("ReservedConcurrentExecutions", value))

    def delete_reserved(self, function: str) -> None:
        with aws_errors("DeleteFunctionConcurrency", function):
            self._c.delete_function_concurrency(FunctionName=function)

    # ---- provisioned ------------------------------------------------------------------------------
    def provisioned(self, function: str, qualifier: str) -> ProvisionedConcurrency | None:
        """The provisioned concurrency config of `function:qualifier`; None when there is none."""
        try:
            with aws_errors("GetProvisionedConcurrencyConfig", f"{function}:{qualifier}"):
                got = self._c.get_provisioned_concurrency_config(FunctionName=function, Qualifier=qualifier)
        except NotFound:
            return None
        return _provisioned(function, qualifier, got)

    def put_provisioned(self, function: str, qualifier: str, value: int) -> ProvisionedConcurrency:
        with aws_errors("PutProvisionedConcurrencyConfig", f"{function}:{qualifier}"):
            got = self._c.put_provisioned_concurrency_config(
                FunctionName=function, Qualifier=qualifier, ProvisionedConcurrentExecutions=int(value)
            )
        return _provisioned(function, qualifier, got)

    def delete_provisioned(self, function: str, qualifier: str) -> None:
        with aws_errors("DeleteProvisionedConcurrencyConfig", f"{function}:{qualifier}"):
            self._c.delete_provisioned_concurrency_config(FunctionName=function, Qualifier=qualifier)


def _provisioned(function: str, qualifier: str, got: dict[str, Any]) -> ProvisionedConcurrency:
    available = got.get("AvailableProvisionedConcurrentExecutions")
    return ProvisionedConcurrency(
        function,
        qualifier,
        int(got.get("RequestedProvisionedConcurrentExecutions") or 0),
        None if available is None else int(available),
        got.get("Status"),
    )
