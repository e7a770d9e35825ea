"""Azure audit checks over ARM resource properties: storage accounts (encryption, HTTPS, TLS >= 1.2, no public
blob access), SQL servers (TLS >= 1.2, TDE on every database), function apps (HTTPS only, TLS >= 1.2, FTPS).

Resource ids follow provision's naming (primary names as configured, secondary `<name>-<location>` in
`<rg>-<location>`; storage `<account>dr`). A resource that does not exist is a skip, not a finding."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from multicloud_ctl.operations.security.findings import CheckContext, Finding, check

STORAGE_API, SQL_API, WEB_API = "2023-05-01", "2021-11-01", "2023-12-01"
TLS_ORDER = {"1.0": 0, "1.1": 1, "1.2": 2, "1.3": 3}


def tls_at_least_12(value: Any) -> bool:
    """`TLS1_2`, `1.2`, `1.3` -> True; `TLS1_0`, `1.1`, missing -> False."""
    text = str(value or "").upper().replace("TLS", "").replace("_", ".").strip()
    return TLS_ORDER.get(text, -1) >= 2


def _locations(ctx: CheckContext) -> Iterator[tuple[str, str, bool]]:
    """(location, resource group, primary?) for both Azure regions."""
    az = ctx.runtime.environment.azure
    yield az.regions.primary, az.resource_group, True
    yield az.regions.secondary, f"{az.resource_group}-{az.regions.secondary}", False


def _get(ctx: CheckContext, group: str, path: str, api: str) -> dict[str, Any] | None:
    from multicloud_ctl.providers.azure.resources import ArmResources

    arm = ArmResources(ctx.runtime.azure)
    found = arm.get(arm.resource_id(group, path), api)
    if found is None:
        ctx.skip(f"{path} not found in {group}")
    else:
        ctx.saw()
    return found


@check("azure.storage.encryption_tls", "azure", "Storage accounts: encryption, HTTPS only, TLS >= 1.2, no public blobs")
def storage_accounts(ctx: CheckContext) -> list[Finding]:
    account = ctx.runtime.environment.azure.storage.account
    out = []
    for _loc, group, primary in _locations(ctx):
        name = account if primary else f"{account}dr"[:24]
        res = _get(ctx, group, f"Microsoft.Storage/storageAccounts/{name}", STORAGE_API)
        if res is None:
            continue
        props, where = res.get("properties") or {}, f"storage:{name}"
        services = (props.get("encryption") or {}).get("services") or {}
        if (services.get("blob") or {}).get("enabled") is False:
            out.append(ctx.finding("high", where, "blob encryption at rest is disabled"))
        if not props.get("supportsHttpsTrafficOnly"):
            out.append(
                ctx.finding("high", where, "HTTP (not only HTTPS) traffic is allowed", "supportsHttpsTrafficOnly: true")
            )
        if not tls_at_least_12(props.get("minimumTlsVersion")):
            out.append(
                ctx.finding(
                    "high",
                    where,
                    f"minimum TLS version is {props.get('minimumTlsVersion')}",
                    "minimumTlsVersion: TLS1_2",
                )
            )
        if props.get("allowBlobPublicAccess", True):
            out.append(ctx.finding("medium", where, "public blob access is allowed", "allowBlobPublicAccess: false"))
    return out


@check("azure.sql.encryption_tls", "azure", "SQL servers: TLS >= 1.2 and transparent data encryption")
def sql_servers(ctx: CheckContext) -> list[Finding]:
    sql = ctx.runtime.environment.azure.sql
    out = []
    for loc, group, primary in _locations(ctx):
        name = sql.server if primary else f"{sql.server}-{loc}"
        server = f"Microsoft.Sql/servers/{name}"
        res = _get(ctx, group, server, SQL_API)
        if res is None:
            continue
        props = res.get("properties") or {}
        if not tls_at_least_12(props.get("minimalTlsVersion")):
            out.append(
                ctx.finding(
                    "high",
                    f"sql:{name}",
                    f"minimal TLS version is {props.get('minimalTlsVersion')}",
                    "minimalTlsVersion: 1.2",
                )
            )
        tde = _get(ctx, group, f"{server}/databases/{sql.database}/transparentDataEncryption/current", SQL_API)
        if tde is not None and str((tde.get("properties") or {}).get("state", "")).lower() != "enabled":
            out.append(
                ctx.finding(
                    "high",
                    f"sql:{name}/{sql.database}",
                    "transparent data encryption is disabled",
                    "transparentDataEncryption/current state: Enabled",
                )
            )
    return out


@check("azure.functionapp.tls", "azure", "Function apps: HTTPS only, TLS >= 1.2, no plain FTP")
def function_apps(ctx: CheckContext) -> list[Finding]:
    out = []
    for loc, group, primary in _locations(ctx):
        for app in ctx.runtime.environment.azure.function_apps:
            name = app if primary else f"{app}-{loc}"
            res = _get(ctx, group, f"Microsoft.Web/sites/{name}", WEB_API)
            if res is None:
                continue
            props = res.get("properties") or {}
            # a site GET answers siteConfig with nulls by design: the configuration is read from config/web
            config = _get(ctx, group, f"Microsoft.Web/sites/{name}/config/web", WEB_API) or {}
            site = config.get("properties") or {}
            where = f"functionapp:{name}"
            if not props.get("httpsOnly"):
                out.append(ctx.finding("high", where, "HTTP is allowed (httpsOnly is off)", "httpsOnly: true"))
            if not tls_at_least_12(site.get("minTlsVersion")):
                out.append(
                    ctx.finding(
                        "high",
                        where,
                        f"minimum TLS version is {site.get('minTlsVersion')}",
                        "siteConfig.minTlsVersion: 1.2",
                    )
                )
            if str(site.get("ftpsState", "")) == "AllAllowed":
                out.append(ctx.finding("medium", where, "plain FTP deployment is allowed", "ftpsState: Disabled"))
    return out
