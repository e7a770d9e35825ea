"""moto's CloudFront web ACL made as strict as CloudFront and WAFv2 (loaded by `local/moto_strict.py`).

moto 5.2 stores a distribution's `WebACLId` whatever it says, so a distribution pointing at a REGIONAL web ACL
(which CloudFront cannot use) or at no ACL at all is accepted; and WAFv2 deletes a web ACL that a distribution
still uses. Here, as the services answer:
- CreateDistribution(WithTags) / UpdateDistribution: a non-empty `WebACLId` must be the ARN of an existing
  CLOUDFRONT-scope WAFv2 web ACL (`arn:aws:wafv2:us-east-1:<account>:global/webacl/<name>/<id>`), else 400
  `InvalidWebACLId` ("A web ACL ID specified is not valid. To specify a web ACL created using the latest version
  of WAF, use the ACL ARN, ...": the CloudFront API reference's error). A WAF Classic ACL id is refused the same
  way: the sandbox has no WAF Classic.
- DeleteWebACL of a CLOUDFRONT ACL that a distribution's `WebACLId` names: `WAFAssociatedItemException` ("AWS WAF
  couldn't perform the operation because your resource is being used by another resource or it's associated
  with another resource", WAFv2 API reference); the distribution must drop it first.
"""

from __future__ import annotations

import re
from typing import Any

CLOUDFRONT_ACL = re.compile(r"^arn:aws:wafv2:us-east-1:(?P<account>\d{12}):global/webacl/[^/]+/[^/]+$")
INVALID_WEB_ACL = (
    "A web ACL ID specified is not valid. To specify a web ACL created using the latest version of WAF, use the "
    "ACL ARN, for example arn:aws:wafv2:us-east-1:123456789012:global/webacl/ExampleWebACL/"
    "473e64fd-f30b-4765-81a0-62ad96dd167a. To specify a web ACL created using WAF Classic, use the ACL ID."
)


def web_acl_refusal(web_acl_id: str, known_arns: set[str]) -> str | None:
    """Why CloudFront refuses `web_acl_id` as a distribution's WebACLId, or None ("" detaches: always fine)."""
    if not web_acl_id:
        return None
    if not CLOUDFRONT_ACL.match(web_acl_id) or web_acl_id not in known_arns:
        return INVALID_WEB_ACL
    return None


def _cloudfront_acls(account_id: str) -> set[str]:
    from moto.wafv2.models import GLOBAL_REGION, wafv2_backends

    return set(wafv2_backends[account_id][GLOBAL_REGION].wacls)


def _distributions_using(account_id: str, arn: str) -> list[str]:
    from moto.cloudfront.models import cloudfront_backends

    out = []
    for backend in cloudfront_backends[account_id].values():
        for dist in backend.distributions.values():
            if getattr(dist.distribution_config, "WebACLId", "") == arn:  # moto keeps the config's keys
                out.append(dist.distribution_id)
    return out


def make_waf_strict() -> None:
    """Install the refusals described in the module docstring."""
    from moto.cloudfront.exceptions import CloudFrontException
    from moto.cloudfront.models import CloudFrontBackend
    from moto.wafv2.exceptions import WAFv2ClientError
    from moto.wafv2.models import WAFV2Backend

    if getattr(CloudFrontBackend.create_distribution_with_tags, "_mcctl_strict", False):
        return

    class InvalidWebACLId(CloudFrontException):
        def __init__(self) -> None:
            super().__init__("InvalidWebACLId", INVALID_WEB_ACL)

    class WAFAssociatedItemException(WAFv2ClientError):
        def __init__(self, users: list[str]) -> None:
            super().__init__(
                "WAFAssociatedItemException",
                "AWS WAF couldn't perform the operation because your resource is being used by another resource "
                f"or it's associated with another resource (CloudFront distributions {', '.join(users)}).",
            )

    creating = CloudFrontBackend.create_distribution_with_tags
    updating = CloudFrontBackend.update_distribution
    deleting = WAFV2Backend.delete_web_acl

    def check(backend: Any, config: dict[str, Any]) -> None:
        if web_acl_refusal(str(config.get("WebACLId") or ""), _cloudfront_acls(backend.account_id)) is not None:
            raise InvalidWebACLId()

    def create_distribution_with_tags(self: Any, distribution_config: dict[str, Any], tags: Any) -> Any:
        check(self, distribution_config)
        return creating(self, distribution_config, tags)

    def update_distribution(self: Any, dist_config: dict[str, Any], _id: str, if_match: Any) -> Any:
        check(self, dist_config or {})
        return updating(self, dist_config, _id, if_match)

    def delete_web_acl(self: Any, name: str, scope: str, _id: str, lock_token: str) -> Any:
        if scope == "CLOUDFRONT":
            arn = next((a for a, acl in self.wacls.items() if acl.name == name and acl.id == _id), None)
            users = _distributions_using(self.account_id, arn) if arn else []
            if users:
                raise WAFAssociatedItemException(users)
        return deleting(self, name, scope, _id, lock_token)

    create_distribution_with_tags._mcctl_strict = True  # type: ignore[attr-defined]
    CloudFrontBackend.create_distribution_with_tags = create_distribution_with_tags  # type: ignore[method-assign]
    CloudFrontBackend.update_distribution = update_distribution  # type: ignore[method-assign]
    WAFV2Backend.delete_web_acl = delete_web_acl  # type: ignore[method-assign]
