"""The shop's API Gateway REST API, one per region: every route of the four Lambda services as a resource + method
with a Lambda proxy integration on the function's `live` alias, the Cognito user pool authorizer on the routes
that need a signed-in user, a deployment of exactly that definition, the stage (throttling, access log to a
CloudWatch Logs group, X-Ray tracing), the REGIONAL WAF web ACL associated with the stage, the Lambda
permissions that let this API (and only it) invoke each function's alias, and, when configured, a REGIONAL custom
domain name on the region's ACM certificate with its base path mapping to the stage.

Deployments: a stage serves the deployment it points at, a snapshot; editing methods changes nothing until a new
deployment. The deployment's description records the sha256 of the definition it was made from
(`deployed_definition`), so plan and drift see a stage that serves an older definition, and apply deploys anew.

Access logging: API Gateway writes a stage's access log with the *account's* CloudWatch Logs role of the region
(account settings, `cloudwatchRoleArn`); UpdateStage refuses an access log destination until one is set ("CloudWatch
Logs role ARN must be set in account settings to enable logging"). The kind makes the role
(`mcctl-ENV-apigateway-logs`: trusted by apigateway.amazonaws.com, the rights of the managed
AmazonAPIGatewayPushToCloudWatchLogs policy inline) and sets it when the account has none or another one
(`logging_role`). It is an account setting every API of the region shares, so destroy leaves it.

Authorizer: the shop signs users in with USER_PASSWORD_AUTH and sends the *access* token; a Cognito authorizer
validates an access token only on methods that list OAuth scopes, otherwise it wants the ID token ("Integrate a
REST API with an Amazon Cognito user pool": "authorizationScopes ... the access token is validated"). The
authorized methods therefore carry the scope every Cognito access token has, `aws.cognito.signin.user.admin`.
Routes that the functions accept either with a user token or a service key (`user|service`) stay open at the
gateway: the function checks them (functions/http/routes.py).

Invoke permissions: `lambda:AddPermission` needs the function and its alias, which `mcctl deploy` creates
(after provision). A function that is not deployed yet has nothing to grant on and is not drift; the deploy that
creates the alias grants it (`grant_after_deploy`), and a permission missing later is drift that apply grants.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from multicloud_ctl.operations.provision.kind import DesiredContext, KindSettings, ResourceKind, only_keys
from multicloud_ctl.operations.provision.model import Resource

AUTHORIZER = "cognito"
SCOPES = ["aws.cognito.signin.user.admin"]
IDENTITY_SOURCE = "method.request.header.Authorization"
PRINCIPAL = "apigateway.amazonaws.com"
ALIAS = "live"
ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "ip": "$context.identity.sourceIp",
        "method": "$context.httpMethod",
        "path": "$context.resourcePath",
        "status": "$context.status",
        "latencyMs": "$context.responseLatency",
        "xrayTraceId": "$context.xrayTraceId",
    },
    sort_keys=True,
)

# (method, path, function, authorized) for every AWS-side route of functions/http/routes.py: `authorized` when
# the route takes only a signed-in user (auth "user"); /payments is the Azure side's.
ROUTES: tuple[tuple[str, str, str, bool], ...] = (
    ("GET", "/health", "product-service", False),
    ("GET", "/products", "product-service", False),
    ("POST", "/products", "product-service", False),
    ("GET", "/products/{id}", "product-service", False),
    ("PUT", "/products/{id}", "product-service", False),
    ("DELETE", "/products/{id}", "product-service", False),
    ("POST", "/products/{id}/image-upload-url", "product-service", False),
    ("GET", "/products/{id}/image-url", "product-service", False),
    ("GET", "/inventory/{product_id}", "inventory-service", False),
    ("PUT", "/inventory/{product_id}", "inventory-service", False),
    ("POST", "/inventory/{product_id}/reserve", "inventory-service", False),
    ("POST", "/inventory/{product_id}/release", "inventory-service", False),
    ("POST", "/orders", "order-service", True),
    ("GET", "/orders/{id}", "order-service", False),
    ("PUT", "/orders/{id}/status", "order-service", False),
    ("GET", "/orders/{id}/payment", "order-service", True),
    ("GET", "/users/me", "user-service", True),
    ("PUT", "/users/me", "user-service", True),
)


_ACM = re.compile(r"^arn:aws:acm:(?P<region>[a-z0-9-]+):\d{12}:certificate/[0-9a-f-]{36}$")


class CustomDomain(BaseModel):
    """A REGIONAL custom domain for the API: the same name in each region, on that region's ACM certificate (a
    regional endpoint takes a certificate of its own region only: CreateDomainName, `regionalCertificateArn`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(max_length=253, pattern=r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
    certificate_arns: dict[str, str] = Field(description="AWS region -> ACM certificate ARN in that region")
    security_policy: Literal["TLS_1_0", "TLS_1_2"] = "TLS_1_2"

    @model_validator(mode="after")
    def _certificates_in_their_region(self) -> CustomDomain:
        for region, arn in self.certificate_arns.items():
            found = _ACM.match(arn)
            if found is None:
                raise ValueError(f"certificate_arns.{region}: {arn!r} is not an ACM certificate ARN")
            if found["region"] != region:
                raise ValueError(f"certificate_arns.{region}: the certificate is in {found['region']}, not {region}")
        return self


class Settings(KindSettings):
    stage_name: str = Field(default="v1", pattern=r"^[A-Za-z0-9_]{1,128}$", description="The API's stage")
    # UpdateStage refuses a rate or burst above the account's limits (10,000 rps, 5,000 burst by default:
    # "Amazon API Gateway quotas", throttle quota per account per Region)
    throttling_rate_limit: float = Field(default=500.0, gt=0, le=10_000, description="Steady requests per second")
    throttling_burst_limit: int = Field(default=1000, ge=0, le=5_000, description="Burst (token bucket size)")
    tracing: bool = Field(default=True, description="X-Ray tracing on the stage")
    access_log_retention_days: int = Field(default=30, description="Retention of the access log group")
    web_acl: bool = Field(default=True, description="Associate the region's waf_web_acl with the stage")
    custom_domain: CustomDomain | None = Field(
        default=None, description="Custom domain name (REGIONAL, per-region certificate) mapped to the stage"
    )


def rest_api_name(env_name: str) -> str:
    """The environment's REST API (what the sandbox's functions host routes by)."""
    return f"mcctl-{env_name}-api"


def api_name(ctx: DesiredContext) -> str:
    return rest_api_name(ctx.env.name)


def routes(ctx: DesiredContext, region: str) -> list[dict[str, Any]]:
    """The API definition as compared: one entry per method, sorted by path then method."""
    account = ctx.env.aws.account_id
    out = [
        {
            "path": path,
            "method": method,
            "target": f"arn:aws:lambda:{region}:{account}:function:{fn}:{ALIAS}",
            "authorizer": AUTHORIZER if authorized else None,
            "scopes": list(SCOPES) if authorized else [],
        }
        for method, path, fn, authorized in ROUTES
        if fn in ctx.env.aws.functions
    ]
    return sorted(out, key=lambda r: (r["path"], r["method"]))


PUSH_TO_LOGS = {  # the actions of the AWS managed policy AmazonAPIGatewayPushToCloudWatchLogs
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": [
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:DescribeLogGroups",
                "logs:DescribeLogStreams",
                "logs:PutLogEvents",
                "logs:GetLogEvents",
                "logs:FilterLogEvents",
            ],
            "Resource": "*",
        }
    ],
}
TRUST_APIGATEWAY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": PRINCIPAL}, "Action": "sts:AssumeRole"}],
}


def logging_role_name(env_name: str) -> str:
    return f"mcctl-{env_name}-apigateway-logs"


def _domain(s: Settings, region: str) -> dict[str, Any] | None:
    d = s.custom_domain
    if d is None or region not in d.certificate_arns:  # a region without a certificate gets no custom domain
        return None
    return {
        "name": d.name,
        "certificate_arn": d.certificate_arns[region],
        "security_policy": d.security_policy,
        "stage": s.stage_name,
    }


def definition_hash(routes_: list[dict[str, Any]], authorizer: dict[str, Any]) -> str:
    text = json.dumps({"routes": routes_, "authorizer": authorizer}, sort_keys=True)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()[:16]


def _target(uri: str) -> str:
    """The function ARN of a Lambda invocation URI (`...:lambda:path/2015-03-31/functions/ARN/invocations`)."""
    marker = "/functions/"
    if marker in uri and uri.endswith("/invocations"):
        return uri.split(marker, 1)[1][: -len("/invocations")]
    return uri


class ApiGatewayRestApi(ResourceKind):
    name = "apigateway_rest_api"
    typical_s = 60.0  # a call or four per route, under API Gateway's control-plane rate of 10 a second
    provider = "aws"
    settings = Settings
    description = (
        "API Gateway REST API: the four services' routes as Lambda proxy integrations on `live`, a Cognito "
        "authorizer, a deployed stage with throttling, access log and tracing, the WAF web ACL, invoke permissions"
    )
    after_kinds = ("cognito_user_pool", "waf_web_acl")

    def desired(self, ctx: DesiredContext) -> list[Resource]:
        s: Settings = ctx.settings(self.name)
        name = api_name(ctx)
        pool = ctx.env.aws.user_pool
        authorizer = {"name": AUTHORIZER, "type": "COGNITO_USER_POOLS", "user_pool": pool}
        waf_on = s.web_acl and ctx.settings("waf_web_acl").enabled
        out = []
        for region in ctx.regions:
            defined = routes(ctx, region)
            group = f"/aws/apigateway/{name}/{s.stage_name}"
            log_arn = f"arn:aws:logs:{region}:{ctx.env.aws.account_id}:log-group:{group}"
            out.append(
                self.make(
                    ctx,
                    f"{name}@{region}",
                    {
                        "routes": defined,
                        "authorizer": authorizer,
                        "deployed_definition": definition_hash(defined, authorizer),
                        "stage": {
                            "name": s.stage_name,
                            "throttling_rate_limit": s.throttling_rate_limit,
                            "throttling_burst_limit": s.throttling_burst_limit,
                            "tracing_enabled": s.tracing,
                            "access_log_destination": log_arn,
                            "access_log_format": ACCESS_LOG_FORMAT,
                        },
                        "logging_role": logging_role_name(ctx.env.name),
                        "web_acl": name if waf_on else None,
                        "custom_domain": _domain(s, region),
                        "invoke_permissions": {fn: "allowed" for fn in sorted({r[2] for r in ROUTES})},
                        "tags": ctx.tags,
                    },
                    region=region,
                    inputs={
                        "api": name,
                        "pool_region": ctx.regions[0],
                        "log_group": group,
                        "retention": s.access_log_retention_days,
                        "account": ctx.env.aws.account_id,
                    },
                    depends_on=[f"cognito_user_pool/{pool}"] + ([f"waf_web_acl/{name}@{region}"] if waf_on else []),
                )
            )
        return out

    # --- clients ---
    def _api(self, runtime: Any, res: Resource) -> Any:
        from multicloud_ctl.providers.aws.apigateway import ApiGatewayAdmin

        return ApiGatewayAdmin(runtime.aws, res.region)

    def _pool_arn(self, runtime: Any, res: Resource) -> str | None:
        from multicloud_ctl.providers.aws.cognito import CognitoAdmin

        pool = CognitoAdmin(runtime.aws, res.inputs["pool_region"]).find_pool(res.attrs["authorizer"]["user_pool"])
        return str(pool["Arn"]) if pool else None

    def _source_arn(self, res: Resource, api_id: str) -> str:
        return f"arn:aws:execute-api:{res.region}:{res.inputs['account']}:{api_id}/*/*/*"

    # --- read ---
    def read(self, runtime: Any, res: Resource) -> dict[str, Any] | None:
        admin = self._api(runtime, res)
        api = admin.find(res.inputs["api"])
        if api is None:
            return None
        api_id = api["id"]
        authorizers = admin.authorizers(api_id)
        names = {a["id"]: a["name"] for a in authorizers}
        defined = []
        for item in admin.resources(api_id):
            for method, m in (item.get("resourceMethods") or {}).items():
                integration = m.get("methodIntegration") or {}
                defined.append(
                    {
                        "path": item["path"],
                        "method": method,
                        "target": _target(str(integration.get("uri") or ""))
                        if integration.get("type") == "AWS_PROXY"
                        else f"({integration.get('type') or 'no integration'})",
                        "authorizer": names.get(m.get("authorizerId") or "")
                        if m.get("authorizationType") == "COGNITO_USER_POOLS"
                        else None,
                        "scopes": list(m.get("authorizationScopes") or []),
                    }
                )
        defined.sort(key=lambda r: (r["path"], r["method"]))
        mine = next((a for a in authorizers if a["name"] == AUTHORIZER), None)
        authorizer: dict[str, Any] | None = None
        if mine is not None:
            pool_arn = self._pool_arn(runtime, res)
            authorizer = {
                "name": mine["name"],
                "type": mine.get("type"),
                "user_pool": res.attrs["authorizer"]["user_pool"]
                if pool_arn and mine.get("providerARNs") == [pool_arn]
                else ",".join(mine.get("providerARNs") or []),
            }
        want_stage = res.attrs["stage"]
        stage = admin.stage(api_id, want_stage["name"])
        live_stage: dict[str, Any] | None = None
        deployed = None
        web_acl = None
        if stage is not None:
            deployment = admin.deployment(api_id, str(stage.get("deploymentId") or ""))
            deployed = (deployment or {}).get("description")
            everything = (stage.get("methodSettings") or {}).get("*/*") or {}
            logs = stage.get("accessLogSettings") or {}
            live_stage = {
                "name": stage["stageName"],
                "throttling_rate_limit": everything.get("throttlingRateLimit"),
                "throttling_burst_limit": everything.get("throttlingBurstLimit"),
                "tracing_enabled": bool(stage.get("tracingEnabled")),
                "access_log_destination": logs.get("destinationArn"),
                "access_log_format": logs.get("format"),
            }
            from multicloud_ctl.providers.aws.wafv2 import WafAdmin

            acl = WafAdmin(runtime.aws, res.region).acl_for_resource(admin.stage_arn(api_id, stage["stageName"]))
            web_acl = acl.get("Name") if acl else None
        role_arn = admin.logging_role()
        return {
            "logging_role": role_arn.rsplit("/", 1)[-1] if role_arn else None,
            "custom_domain": self._read_domain(admin, res, api_id),
            "routes": defined,
            "authorizer": authorizer,
            "deployed_definition": deployed,
            "stage": live_stage,
            "web_acl": web_acl,
            "invoke_permissions": self._permissions(runtime, res, api_id),
            "tags": only_keys(api.get("tags") or {}, res.tags),
            "id": api_id,
        }

    def _read_domain(self, admin: Any, res: Resource, api_id: str) -> dict[str, Any] | None:
        want = res.attrs.get("custom_domain")
        if not want:
            return None
        found = admin.domain(want["name"])
        if found is None:
            return None
        stages = [m.get("stage") for m in found["mappings"] if m.get("restApiId") == api_id]
        return {
            "name": found["domainName"],
            "certificate_arn": found.get("regionalCertificateArn"),
            "security_policy": found.get("securityPolicy"),
            "stage": stages[0] if stages else None,
        }

    def _permissions(self, runtime: Any, res: Resource, api_id: str) -> dict[str, str]:
        from multicloud_ctl.providers.aws.lambda_ import LambdaPermissions

        lam = LambdaPermissions(runtime.aws, res.region)
        source = self._source_arn(res, api_id)
        return {fn: invoke_state(lam, fn, source) for fn in res.attrs["invoke_permissions"]}

    # --- apply ---
    def create(self, runtime: Any, res: Resource) -> Any:
        admin = self._api(runtime, res)
        api_id = admin.create(res.inputs["api"], "the shop's REST API (mcctl)", res.tags)
        return {"id": api_id, **self._converge(runtime, res, api_id, set(res.attrs))}

    def update(self, runtime: Any, res: Resource, changed: list[str]) -> Any:
        admin = self._api(runtime, res)
        api = admin.find(res.inputs["api"])
        if "tags" in changed:
            admin.tag(api["id"], res.tags)
        return {"updated": changed, **self._converge(runtime, res, api["id"], set(changed))}

    def _converge(self, runtime: Any, res: Resource, api_id: str, changed: set[str]) -> dict[str, Any]:
        admin = self._api(runtime, res)
        done: dict[str, Any] = {}
        if "logging_role" in changed or admin.logging_role() is None:
            done["logging_role"] = self._ensure_logging_role(runtime, res, admin)
        if changed & {"routes", "authorizer", "deployed_definition"}:
            authorizer_id = self._ensure_authorizer(runtime, res, admin, api_id)
            done["methods"] = self._ensure_routes(admin, api_id, res.attrs["routes"], authorizer_id)
        stage = admin.stage(api_id, res.attrs["stage"]["name"])
        current = admin.deployment(api_id, str((stage or {}).get("deploymentId") or ""))
        if (current or {}).get("description") != res.attrs["deployed_definition"]:
            deployment = admin.create_deployment(api_id, res.attrs["deployed_definition"])
            done["deployment"] = deployment
            if stage is None:
                admin.create_stage(api_id, res.attrs["stage"]["name"], deployment, res.tags)
            else:
                ops = [{"op": "replace", "path": "/deploymentId", "value": deployment}]
                admin.update_stage(api_id, res.attrs["stage"]["name"], ops)
        if stage is None or "stage" in changed:
            self._configure_stage(runtime, res, admin, api_id)
            done["stage"] = res.attrs["stage"]["name"]
        if not res.attrs["web_acl"] and "web_acl" in changed and stage is not None:
            from multicloud_ctl.providers.aws.wafv2 import WafAdmin

            WafAdmin(runtime.aws, res.region).disassociate(admin.stage_arn(api_id, res.attrs["stage"]["name"]))
            done["web_acl"] = None
        if res.attrs["web_acl"] and (stage is None or "web_acl" in changed):
            from multicloud_ctl.providers.aws.wafv2 import WafAdmin

            waf = WafAdmin(runtime.aws, res.region)
            acl = waf.find(res.attrs["web_acl"])
            if acl is None:
                from multicloud_ctl.errors import ProviderError

                raise ProviderError(f"web ACL {res.attrs['web_acl']} not found in {res.region}: apply waf_web_acl")
            waf.associate(acl["ARN"], admin.stage_arn(api_id, res.attrs["stage"]["name"]))
            done["web_acl"] = res.attrs["web_acl"]
        domain = res.attrs.get("custom_domain")
        if domain and (stage is None or "custom_domain" in changed):
            found = admin.domain(domain["name"])
            if found is None:
                admin.create_domain(domain["name"], domain["certificate_arn"], domain["security_policy"], res.tags)
                found = {"mappings": []}
            elif (found.get("regionalCertificateArn"), found.get("securityPolicy")) != (
                domain["certificate_arn"],
                domain["security_policy"],
            ):
                admin.update_domain(domain["name"], domain["certificate_arn"], domain["security_policy"])
            if not any(m.get("restApiId") == api_id for m in found["mappings"]):
                admin.map_base_path(domain["name"], api_id, domain["stage"])
            done["custom_domain"] = domain["name"]
        done["granted"] = self._grant(runtime, res, api_id)
        return done

    def _ensure_logging_role(self, runtime: Any, res: Resource, admin: Any) -> str:
        from multicloud_ctl.providers.aws.iam_admin import IamAdmin

        iam, role = IamAdmin(runtime.aws), res.attrs["logging_role"]
        if iam.trust_policy(role) is None:
            iam.create_role(role, TRUST_APIGATEWAY, "API Gateway writes access logs to CloudWatch Logs (mcctl)")
        if iam.inline_policy(role, "push-to-cloudwatch-logs") != PUSH_TO_LOGS:
            iam.put_inline_policy(role, "push-to-cloudwatch-logs", PUSH_TO_LOGS)
        arn = f"arn:aws:iam::{res.inputs['account']}:role/{role}"
        admin.set_logging_role(arn)
        return arn

    def _ensure_authorizer(self, runtime: Any, res: Resource, admin: Any, api_id: str) -> str:
        pool_arn = self._pool_arn(runtime, res)
        if pool_arn is None:
            from multicloud_ctl.errors import ProviderError

            raise ProviderError(
                f"user pool {res.attrs['authorizer']['user_pool']} not found: apply cognito_user_pool first"
            )
        mine = next((a for a in admin.authorizers(api_id) if a["name"] == AUTHORIZER), None)
        if mine is None:
            return str(admin.create_authorizer(api_id, AUTHORIZER, [pool_arn], IDENTITY_SOURCE))
        if mine.get("providerARNs") != [pool_arn]:
            admin.update_authorizer(api_id, mine["id"], [pool_arn])
        return str(mine["id"])

    def _ensure_routes(self, admin: Any, api_id: str, wanted: list[dict[str, Any]], authorizer_id: str) -> int:
        """Resources, methods and integrations exactly as `wanted`: missing ones made, wrong ones replaced,
        extra methods and resources removed. Returns how many methods were (re)written."""
        live = admin.resources(api_id)
        by_path = {r["path"]: r for r in live}
        want_paths = {"/"}
        for r in wanted:
            parts = r["path"].strip("/").split("/")
            want_paths |= {"/" + "/".join(parts[: i + 1]) for i in range(len(parts))}
        for path in sorted(p for p in by_path if p not in want_paths):
            parent = path.rsplit("/", 1)[0] or "/"
            if parent in want_paths:  # deleting it deletes its children too
                admin.delete_resource(api_id, by_path[path]["id"])
        by_path = {p: r for p, r in by_path.items() if p in want_paths}
        for path in sorted(want_paths, key=lambda p: (p.count("/"), p)):
            if path in by_path:
                continue
            parent = by_path[path.rsplit("/", 1)[0] or "/"]
            rid = admin.create_resource(api_id, parent["id"], path.rsplit("/", 1)[1])
            by_path[path] = {"id": rid, "path": path, "resourceMethods": {}}
        wanted_methods = {(r["path"], r["method"]): r for r in wanted}
        for path, item in by_path.items():
            for method in list(item.get("resourceMethods") or {}):
                if (path, method) not in wanted_methods:
                    admin.delete_method(api_id, item["id"], method)
        written = 0
        for (path, method), r in sorted(wanted_methods.items()):
            item = by_path[path]
            have = (item.get("resourceMethods") or {}).get(method)
            integration = (have or {}).get("methodIntegration") or {}
            same = (
                have is not None
                and have.get("authorizationType") == ("COGNITO_USER_POOLS" if r["authorizer"] else "NONE")
                and (have.get("authorizerId") or None) == (authorizer_id if r["authorizer"] else None)
                and list(have.get("authorizationScopes") or []) == r["scopes"]
                and integration.get("type") == "AWS_PROXY"
                and _target(str(integration.get("uri") or "")) == r["target"]
            )
            if same:
                continue
            if have is not None:
                admin.delete_method(api_id, item["id"], method)
            admin.put_method(api_id, item["id"], method, authorizer_id if r["authorizer"] else None, scopes=r["scopes"])
            admin.put_lambda_proxy(api_id, item["id"], method, r["target"])
            written += 1
        return written

    def _configure_stage(self, runtime: Any, res: Resource, admin: Any, api_id: str) -> None:
        from multicloud_ctl.providers.aws.cloudwatch_logs import CloudWatchLogs

        want = res.attrs["stage"]
        CloudWatchLogs(runtime.aws, res.region).ensure_group(res.inputs["log_group"], res.inputs["retention"], res.tags)
        admin.update_stage(
            api_id,
            want["name"],
            [
                {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": str(want["throttling_rate_limit"])},
                {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": str(want["throttling_burst_limit"])},
                {"op": "replace", "path": "/tracingEnabled", "value": "true" if want["tracing_enabled"] else "false"},
                {"op": "replace", "path": "/accessLogSettings/destinationArn", "value": want["access_log_destination"]},
                {"op": "replace", "path": "/accessLogSettings/format", "value": want["access_log_format"]},
            ],
        )

    def _grant(self, runtime: Any, res: Resource, api_id: str) -> list[str]:
        from multicloud_ctl.providers.aws.lambda_ import LambdaPermissions

        lam = LambdaPermissions(runtime.aws, res.region)
        source = self._source_arn(res, api_id)
        granted = []
        for fn in res.attrs["invoke_permissions"]:
            if invoke_state(lam, fn, source) == "missing":
                allow_invoke(lam, fn, res.inputs["api"], source)
                granted.append(fn)
        return granted

    def delete(self, runtime: Any, res: Resource) -> Any:
        admin = self._api(runtime, res)
        api = admin.find(res.inputs["api"])
        if api:
            from multicloud_ctl.providers.aws.lambda_ import LambdaPermissions
            from multicloud_ctl.providers.aws.wafv2 import WafAdmin

            waf = WafAdmin(runtime.aws, res.region)
            for stage in admin_stage_names(admin, api["id"]):
                arn = admin.stage_arn(api["id"], stage)
                if waf.acl_for_resource(arn) is not None:
                    waf.disassociate(arn)
            lam = LambdaPermissions(runtime.aws, res.region)
            for fn in res.attrs["invoke_permissions"]:
                if lam.statements(fn, ALIAS) is not None:
                    lam.revoke(fn, ALIAS, statement_id(res.inputs["api"]))
            domain = res.attrs.get("custom_domain")
            if domain and admin.domain(domain["name"]) is not None:
                admin.delete_domain(domain["name"])  # with its base path mappings
            admin.delete(api["id"])
        from multicloud_ctl.providers.aws.cloudwatch_logs import CloudWatchLogs

        CloudWatchLogs(runtime.aws, res.region).delete_group(res.inputs["log_group"])
        return {"deleted": res.inputs["api"]}


def admin_stage_names(admin: Any, api_id: str) -> list[str]:
    from multicloud_ctl.providers.aws.apigateway import ApiGateway

    return ApiGateway(admin.clients, admin.region).stage_names(api_id)


def statement_id(api: str) -> str:
    return f"{api}-invoke"


def invoke_state(lam: Any, function: str, source_arn: str) -> str:
    """`allowed` when API Gateway may invoke `function:live` from `source_arn` (or the alias does not exist yet:
    nothing to grant on), `missing` otherwise."""
    statements = lam.statements(function, ALIAS)
    if statements is None:
        return "allowed"
    granted = any(
        (s.get("Principal") or {}).get("Service") == PRINCIPAL
        and ((s.get("Condition") or {}).get("ArnLike") or {}).get("AWS:SourceArn") == source_arn
        for s in statements
    )
    return "allowed" if granted else "missing"


def allow_invoke(lam: Any, function: str, api: str, source_arn: str) -> None:
    sid = statement_id(api)
    lam.revoke(function, ALIAS, sid)  # a statement id is unique per policy: replace a stale one
    lam.allow(function, ALIAS, sid, PRINCIPAL, source_arn)


def grant_after_deploy(runtime: Any, region: str, function: str, alias: str) -> bool:
    """`mcctl deploy`'s hook once a function's alias exists: let the environment's REST API invoke it, as
    `apigateway_rest_api` does (it could not before the alias existed). False when there is nothing to grant:
    another alias, a function the API does not route to, no API in the region, or already granted."""
    if alias != ALIAS or function not in {r[2] for r in ROUTES}:
        return False
    from multicloud_ctl.providers.aws.apigateway import ApiGatewayAdmin
    from multicloud_ctl.providers.aws.lambda_ import LambdaPermissions

    env = runtime.environment
    api = ApiGatewayAdmin(runtime.aws, region).find(rest_api_name(env.name))
    if api is None:
        return False
    lam = LambdaPermissions(runtime.aws, region)
    source = f"arn:aws:execute-api:{region}:{env.aws.account_id}:{api['id']}/*/*/*"
    if invoke_state(lam, function, source) == "allowed":
        return False
    allow_invoke(lam, function, rest_api_name(env.name), source)
    return True
