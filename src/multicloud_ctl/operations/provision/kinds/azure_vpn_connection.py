"""Azure site-to-site connections: the VPN gateway to each AWS tunnel's local network gateway, IPsec with BGP.

The shared key is the pre-shared key vpn_connection's `pre_shared_key` refers to (the AWS tunnels use the same),
resolved only inside `create`/`update` and sent only in the PUT body: compared attributes, plan and journal carry
none of it. Azure's GET does not answer the key either (it has its own `.../sharedkey` operation), so a key
changed out of band is not drift here.
The gateway references are written as `{"id", "properties": {}}` (the published schema requires a gateway's
`properties`; ARM answers the references with their `id` only), and compared by `id`.
"""

from __future__ import annotations

from typing import Any

from multicloud_ctl.operations.provision.arm_kind import ArmKind, ArmSpec, arm_id, group_for
from multicloud_ctl.operations.provision.kind import DesiredContext
from multicloud_ctl.operations.provision.kinds.azure_local_network_gateway import (
    AzureLocalNetworkGateway,
    local_gateway_id,
    local_gateway_name,
)
from multicloud_ctl.operations.provision.kinds.azure_vpn_gateway import API, gateway_address, gateway_id
from multicloud_ctl.operations.provision.kinds.customer_gateway import pairs
from multicloud_ctl.operations.provision.kinds.vpn_connection import VpnConnection
from multicloud_ctl.operations.provision.model import Resource

REFERENCES = ("virtualNetworkGateway1", "localNetworkGateway2")


class AzureVpnConnection(ArmKind):
    name = "azure_vpn_connection"
    api_version = API
    description = "site-to-site connection per AWS tunnel (IPsec, IKEv2, BGP, shared key from a secret reference)"

    def arm(self, ctx: DesiredContext) -> list[ArmSpec]:
        s = ctx.settings(VpnConnection.name)
        out = []
        for _region, loc in pairs(ctx):
            for n in range(1, len(s.tunnel_inside_cidrs) + 1):
                name = local_gateway_name(ctx, loc, n)
                out.append(
                    ArmSpec(
                        name,
                        arm_id(ctx, group_for(ctx, loc), f"Microsoft.Network/connections/{name}"),
                        {
                            "location": loc,
                            "tags": ctx.tags,
                            "properties": {
                                "connectionType": "IPsec",
                                "connectionProtocol": "IKEv2",
                                "enableBgp": True,
                                "virtualNetworkGateway1": {"id": gateway_id(ctx, loc)},
                                "localNetworkGateway2": {"id": local_gateway_id(ctx, loc, n)},
                            },
                        },
                        depends_on=(gateway_address(ctx, loc), f"{AzureLocalNetworkGateway.name}/{name}"),
                        extra={"pre_shared_key": s.pre_shared_key},
                    )
                )
        return out

    def body(self, runtime: Any, res: Resource) -> dict[str, Any]:
        props = dict(res.attrs["properties"])
        for key in REFERENCES:
            props[key] = {"id": props[key]["id"], "properties": {}}
        props["sharedKey"] = runtime.secrets.resolve(res.inputs["pre_shared_key"])
        return {**res.attrs, "properties": props}

    def read(self, runtime: Any, res: Resource) -> dict[str, Any] | None:
        live = super().read(runtime, res)
        if live is None:
            return None
        props = dict(live.get("properties") or {})
        props.pop("sharedKey", None)  # never compared, never shown
        for key in REFERENCES:
            ref = props.get(key)
            if isinstance(ref, dict):
                wanted = res.attrs["properties"][key]["id"]
                same = str(ref.get("id", "")).lower() == wanted.lower()
                props[key] = {"id": wanted if same else ref.get("id")}
        live["properties"] = props
        return live
