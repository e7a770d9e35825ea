"""Azure SQL logical servers (Entra-only authentication: no SQL passwords), primary and secondary.

The Entra admin is a real group: its object id (`admin_group_object_id`) must be configured outside the
sandbox (an all-zero SID names nobody, so no one could ever sign in as admin and grant the functions their
database users). Network: the functions run on a consumption plan without VNet integration and the
operator's `mcctl sync`/`sql migrate` connect from outside, so "public network access disabled" with no
private endpoint is a server nothing can reach. Public access stays enabled, narrowed by firewall rules:
`allow_azure_services` (the documented rule "AllowAllWindowsAzureIps", start = end = the unspecified
address) and the operators' `allowed_ip_ranges`; Entra-only authentication stays on.
"""

from __future__ import annotations

import ipaddress

from pydantic import field_validator

from multicloud_ctl.errors import ConfigError
from multicloud_ctl.operations.provision.arm_kind import ArmKind, ArmSpec, arm_id, group_for, suffix
from multicloud_ctl.operations.provision.kind import DesiredContext, KindSettings
from multicloud_ctl.operations.provision.kinds.azure_resource_group import group_address

API = "2021-11-01"


SANDBOX_SID = "00000000-0000-0000-0000-000000000000"


class Settings(KindSettings):
    admin_group: str = "mcctl-sql-admins"
    admin_group_object_id: str | None = None  # the Entra group's object id; required outside the sandbox
    allow_azure_services: bool = True
    allowed_ip_ranges: list[str] = []  # "203.0.113.0-203.0.113.255" or a single address, for operators

    @field_validator("allowed_ip_ranges")
    @classmethod
    def _ipv4_ranges(cls, value: list[str]) -> list[str]:
        import ipaddress

        for text in value:  # Azure SQL firewall rules take IPv4 start/end addresses only
            start, _, end = text.partition("-")
            first, last = ipaddress.IPv4Address(start.strip()), ipaddress.IPv4Address((end or start).strip())
            if last < first:
                raise ValueError(f"{text!r}: the range ends before it starts")
        return value


def server_name(ctx: DesiredContext, location: str) -> str:
    return suffix(ctx, ctx.env.azure.sql.server, location)


def server_id(ctx: DesiredContext, location: str) -> str:
    return arm_id(ctx, group_for(ctx, location), f"Microsoft.Sql/servers/{server_name(ctx, location)}")


class AzureSqlServer(ArmKind):
    name = "azure_sql_server"
    typical_s = 180.0
    api_version = API
    settings = Settings
    description = "Azure SQL server, Entra-only auth, TLS 1.2"

    def arm(self, ctx: DesiredContext) -> list[ArmSpec]:
        s: Settings = ctx.settings(self.name)
        sid = s.admin_group_object_id
        if not sid or sid == SANDBOX_SID:
            if not ctx.env.is_local:
                raise ConfigError(
                    f"kinds.azure_sql_server.admin_group_object_id is not set for {ctx.env.name}: the SQL "
                    "server's Entra admin would be nobody",
                    hint="set it in the provision playbook (environments.<env>.kinds) to the object id of the "
                    f"'{s.admin_group}' group (az ad group show -g {s.admin_group} --query id)",
                )
            sid = SANDBOX_SID
        servers = [
            ArmSpec(
                server_name(ctx, loc),
                server_id(ctx, loc),
                {
                    "location": loc,
                    "tags": ctx.tags,
                    "properties": {
                        "version": "12.0",
                        "minimalTlsVersion": "1.2",
                        "publicNetworkAccess": "Enabled",
                        "administrators": {
                            "administratorType": "ActiveDirectory",
                            "login": s.admin_group,
                            "sid": sid,
                            "tenantId": ctx.env.azure.tenant_id,
                            "azureADOnlyAuthentication": True,
                        },
                    },
                },
                depends_on=(group_address(ctx, loc),),
            )
            for loc in ctx.azure_locations
        ]
        return servers + [rule for loc in ctx.azure_locations for rule in _firewall_rules(ctx, s, loc)]


# A firewall rule from and to the unspecified IPv4 address is how Azure SQL spells "allow Azure services"
# (the Microsoft.Sql/servers/firewallRules schema names that value "for all Azure-internal IP addresses"). It
# binds nothing and opens nothing to the internet; `allow_azure_services: false` leaves it out.
AZURE_SERVICES = ("AllowAllWindowsAzureIps", str(ipaddress.IPv4Address(0)), str(ipaddress.IPv4Address(0)))


def _firewall_rules(ctx: DesiredContext, s: Settings, location: str) -> list[ArmSpec]:
    """The server's firewall rules (Microsoft.Sql/servers/firewallRules, same api-version)."""
    ranges: list[tuple[str, str, str]] = []
    if s.allow_azure_services:
        ranges.append(AZURE_SERVICES)
    for i, text in enumerate(s.allowed_ip_ranges):
        start, _, end = text.partition("-")
        ranges.append((f"operators-{i + 1}", start.strip(), (end or start).strip()))
    name, sid = server_name(ctx, location), server_id(ctx, location)
    return [
        ArmSpec(
            f"{name}/{rule}",
            f"{sid}/firewallRules/{rule}",
            {"properties": {"startIpAddress": start, "endIpAddress": end}},
            depends_on=(f"{AzureSqlServer.name}/{name}",),
            owner=sid,
        )
        for rule, start, end in ranges
    ]
