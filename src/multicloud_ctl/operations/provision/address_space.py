"""The address spaces the AWS↔Azure VPN joins must not overlap, checked when a Provision playbook is validated.

Routes cross the tunnels by prefix: an AWS VPC CIDR that overlaps an Azure VNet's address space (or a tunnel's
inside /30, where the BGP peers live) makes both sides claim the same addresses, and neither cloud refuses it
until traffic goes the wrong way. For the playbook's kinds and every environment's overrides, each space
(`vpc.cidrs`, `azure_vnet.prefixes` as /16s, `vpn_connection.tunnel_inside_cidrs`) is compared with the others;
an overlap is reported at the field that set the later one (`spec.environments.prod.kinds.vpc.cidrs.primary`
when an override brought it in), in the loader's `file:line field: message` form.
"""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network, ip_network
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from multicloud_ctl.config.specs.provision import ProvisionSpec

Loc = tuple[str | int, ...]


def spaces(spec: ProvisionSpec, env_name: str | None) -> list[tuple[Loc, str, IPv4Network | IPv6Network]]:
    """(field path, label, network) of every address space the VPN joins, with `env_name`'s overrides."""
    over = spec.environments.get(env_name or "")

    def where(kind: str, *rest: str | int) -> Loc:
        if over is not None and kind in over.kinds and rest and rest[0] in over.kinds[kind]:
            return ("environments", str(env_name), "kinds", kind, *rest)
        return ("kinds", kind, *rest)

    out: list[tuple[Loc, str, IPv4Network | IPv6Network]] = []
    vpc = spec.kind_settings("vpc", env_name)
    for key, cidr in vpc.cidrs.items():
        out += _net(where("vpc", "cidrs", key), f"the AWS VPC CIDR {cidr} ({key})", cidr)
    vnet = spec.kind_settings("azure_vnet", env_name)
    for key, prefix in vnet.prefixes.items():
        out += _net(where("azure_vnet", "prefixes", key), f"the Azure VNet {prefix}.0.0/16 ({key})", f"{prefix}.0.0/16")
    if spec.kind_settings("vpn_connection", env_name).enabled:
        for i, cidr in enumerate(spec.kind_settings("vpn_connection", env_name).tunnel_inside_cidrs):
            out += _net(
                where("vpn_connection", "tunnel_inside_cidrs", i), f"the tunnel {i + 1} inside CIDR {cidr}", cidr
            )
    return out


def _net(loc: Loc, label: str, cidr: str) -> list[tuple[Loc, str, IPv4Network | IPv6Network]]:
    try:
        return [(loc, label, ip_network(cidr, strict=False))]
    except ValueError:
        return []  # not a network at all: the field's own validation says so


def overlaps(spec: ProvisionSpec) -> list[tuple[Loc, str]]:
    """(field path, message) for each overlapping pair of address spaces, per environment; the field blamed is an
    environment's override when one of the two comes from it, else the later of the two."""
    found: list[tuple[Loc, str]] = []
    seen: set[Loc] = set()
    for env_name in (None, *spec.environments):
        listed = spaces(spec, env_name)
        for i, (loc, label, net) in enumerate(listed):
            for other_loc, other_label, other in listed[:i]:
                if net.version != other.version or not net.overlaps(other):  # type: ignore[arg-type]
                    continue
                if env_name is not None and "environments" not in (loc[0], other_loc[0]):
                    continue  # the playbook's own kinds overlap: reported once, without an environment
                blamed, first, second = (
                    (other_loc, other_label, label) if other_loc[0] == "environments" else (loc, label, other_label)
                )
                if blamed in seen:
                    continue
                seen.add(blamed)
                scope = f" in environment {env_name!r}" if env_name else ""
                found.append(
                    (blamed, f"{first} overlaps {second}{scope}: the VPN joins address spaces that must not overlap")
                )
    return found


def raise_overlaps(spec: ProvisionSpec, model: str) -> None:
    """Raise a pydantic ValidationError located at each overlapping field (nothing when none overlap)."""
    from pydantic import ValidationError
    from pydantic_core import PydanticCustomError

    found = overlaps(spec)
    if not found:
        return
    errors: list[Any] = [
        {"type": PydanticCustomError("address_space_overlap", message), "loc": loc, "input": None}
        for loc, message in found
    ]
    raise ValidationError.from_exception_data(model, errors)
