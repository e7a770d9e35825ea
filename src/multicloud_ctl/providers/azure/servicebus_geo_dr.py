"""Service Bus Geo-Disaster Recovery aliases: which namespace an alias points to, and failing it over.

An alias (`.../namespaces/{ns}/disasterRecoveryConfigs/{alias}`, REST api-version 2024-01-01) is seen from both
namespaces of a pairing: `properties.role` is the role of the namespace in the URL (Primary, Secondary, or
PrimaryNotReplicating once a failover or a break pairing has ended the pairing). A failover is a POST to the
secondary ("Invokes GEO DR failover and reconfigure the alias to point to the secondary namespace", 200, no
long-running operation); the service then settles it, so the caller polls the alias until the namespace reads
primary and `provisioningState` Succeeded. `IsSafeFailover` waits for pending replication first (it needs the
old primary); an ungraceful failover sends false. Sent through azure-mgmt-servicebus (`AzureClients.servicebus`,
at the api-version provision writes namespaces with), so the dry-run guard and the retry policy apply.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import NotFound, OperationFailed
from multicloud_ctl.providers.azure.errors import azure_errors

if TYPE_CHECKING:
    from multicloud_ctl.providers.azure.clients import AzureClients

PRIMARY_ROLES = ("Primary", "PrimaryNotReplicating")


@dataclass(frozen=True)
class NamespaceRef:
    """One namespace of a pairing: its resource group and name."""

    group: str
    namespace: str


@dataclass(frozen=True)
class AliasState:
    """The alias as one namespace sees it."""

    role: str  # Primary | PrimaryNotReplicating | Secondary
    provisioning_state: str
    partner: str  # the partner namespace's ARM id ("" when unpaired)
    pending_replication: int

    @property
    def is_primary(self) -> bool:
        return self.role in PRIMARY_ROLES


def _text(value: Any) -> str:
    return str(getattr(value, "value", value) or "")


@dataclass
class GeoDrAliases:
    clients: AzureClients

    @property
    def _ops(self) -> Any:
        return self.clients.servicebus.disaster_recovery_configs

    def state(self, ref: NamespaceRef, alias: str) -> AliasState | None:
        """The alias on this namespace, None when the namespace holds no such alias."""
        try:
            with azure_errors(f"get Geo-DR alias {alias} on {ref.namespace}"):
                found = self._ops.get(ref.group, ref.namespace, alias)
        except NotFound:
            return None
        return AliasState(
            role=_text(getattr(found, "role", None)),
            provisioning_state=_text(getattr(found, "provisioning_state", None)),
            partner=str(getattr(found, "partner_namespace", None) or ""),
            pending_replication=int(getattr(found, "pending_replication_operations_count", None) or 0),
        )

    def failover(self, ref: NamespaceRef, alias: str, *, safe: bool) -> None:
        """POST the failover to this (secondary) namespace; `safe` waits for pending replication first."""
        from azure.mgmt.servicebus.models import FailoverPropertiesProperties, NamespaceFailoverProperties

        body = NamespaceFailoverProperties(properties=FailoverPropertiesProperties(is_safe_failover=safe))
        with azure_errors(f"fail over Geo-DR alias {alias} to {ref.namespace}"):
            self._ops.fail_over(ref.group, ref.namespace, alias, parameters=body)

    def break_pairing(self, ref: NamespaceRef, alias: str) -> None:
        """End the pairing from its primary: both namespaces go on unpaired (provision's delete of the alias)."""
        with azure_errors(f"break the Geo-DR pairing {alias} on {ref.namespace}"):
            self._ops.break_pairing(ref.group, ref.namespace, alias)

    def wait_primary(
        self,
        ref: NamespaceRef,
        alias: str,
        *,
        deadline_s: float,
        interval_s: float,
        now: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> AliasState:
        """Poll until this namespace reads primary with provisioningState Succeeded; OperationFailed after
        `deadline_s` or on Failed."""
        end = now() + deadline_s
        while True:
            found = self.state(ref, alias)
            if found is not None and found.provisioning_state == "Failed":
                raise OperationFailed(
                    f"Geo-DR alias {alias}: the failover to {ref.namespace} failed (provisioningState)"
                )
            if found is not None and found.is_primary and found.provisioning_state == "Succeeded":
                return found
            if now() >= end:
                seen = "gone" if found is None else f"{found.role}, {found.provisioning_state}"
                raise OperationFailed(
                    f"Geo-DR alias {alias}: {ref.namespace} is not primary {deadline_s:g}s after the failover ({seen})",
                    hint="check the alias in the portal (Service Bus namespace > Geo-Recovery); raise "
                    "servicebus_geo_dr.wait_seconds if the service is slow",
                )
            sleep(interval_s)
