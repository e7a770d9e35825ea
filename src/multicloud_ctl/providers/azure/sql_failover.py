"""Azure SQL auto-failover groups: which server is primary, and failing over to the other one.

A failover group is one resource seen from both of its servers: `GET .../servers/{s}/failoverGroups/{fg}` on
either answers it with `properties.replicationRole` (Primary or Secondary: the role of the server in the URL)
and `partnerServers[].replicationRole`. A failover is a POST to the server that is to become primary ("Failover
Groups - Failover: fails over from the current primary server to this server", learn.microsoft.com REST API,
200 or 202 + long-running operation); `forceFailoverAllowDataLoss` does the same without waiting for the
secondary to catch up, for when the primary is gone. Sent through azure-mgmt-sql (`AzureClients.sql`, at the
api-version the provision kinds use), so the dry-run guard and the retry policy apply as for every ARM call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import NotFound
from multicloud_ctl.providers.azure.errors import azure_errors

if TYPE_CHECKING:
    from multicloud_ctl.providers.azure.clients import AzureClients


@dataclass(frozen=True)
class ServerRef:
    """One server of a failover group: its resource group and name."""

    group: str
    server: str


@dataclass
class SqlFailoverGroups:
    clients: AzureClients

    @property
    def _ops(self) -> Any:
        return self.clients.sql.failover_groups

    def role(self, ref: ServerRef, group_name: str) -> str | None:
        """`Primary` or `Secondary` for this server, None when the failover group does not exist."""
        try:
            with azure_errors(f"get failover group {group_name} on {ref.server}"):
                found = self._ops.get(ref.group, ref.server, group_name)
        except NotFound:
            return None
        role = getattr(found, "replication_role", None)
        return str(getattr(role, "value", role) or "") or None  # the SDK's enum: "Primary" / "Secondary"

    def failover(self, ref: ServerRef, group_name: str, *, allow_data_loss: bool = False) -> None:
        """Make this server the primary, waiting for the long-running operation."""
        with azure_errors(f"fail over {group_name} to {ref.server}"):
            if allow_data_loss:
                poller = self._ops.begin_force_failover_allow_data_loss(ref.group, ref.server, group_name)
            else:
                poller = self._ops.begin_failover(ref.group, ref.server, group_name)
            poller.result()
