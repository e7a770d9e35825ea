"""DNS records of the zone besides the load balancers' own hostnames (default: `www` -> the API host)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from multicloud_ctl.operations.provision.cf_kind import CfKind, lb_hostname, marker
from multicloud_ctl.operations.provision.kind import DesiredContext, KindSettings
from multicloud_ctl.operations.provision.model import Resource


class Record(BaseModel):
    name: str
    type: str = "CNAME"
    content: str = "{api}"  # `{api}` is replaced by the API hostname
    proxied: bool = True


class Settings(KindSettings):
    records: list[Record] = [Record(name="www")]


class CfDnsRecord(CfKind):
    name = "cf_dns_record"
    settings = Settings
    collection = "dns_records"
    marker_field = "comment"
    description = "Cloudflare DNS record"
    after_kinds = ("cf_load_balancer",)  # records point at the API hostname the load balancer serves

    def desired(self, ctx: DesiredContext) -> list[Resource]:
        s: Settings = ctx.settings(self.name)
        api = lb_hostname(ctx, ctx.env.cloudflare.load_balancer)
        out = []
        for rec in s.records:
            fqdn = lb_hostname(ctx, rec.name)
            attrs = {
                "name": fqdn,
                "type": rec.type,
                "content": rec.content.replace("{api}", api),
                "proxied": rec.proxied,
                "ttl": 1,
                "comment": marker(ctx, f"dns {rec.name}"),
            }
            out.append(self.make(ctx, f"{rec.type}:{fqdn}", attrs, inputs={"match": ["name", fqdn]}))
        return out

    def find(self, runtime: Any, res: Any) -> dict[str, Any] | None:
        return next(
            (
                o
                for o in self.cf(runtime).items(self.collection)
                if o.get("name") == res.attrs["name"] and o.get("type") == res.attrs["type"]
            ),
            None,
        )
