"""Who the AWS caller is and whether IAM lets it make given calls (read-only: STS and IAM policy simulation).

`IamSimulator(clients).simulate(arn, ["lambda:PutFunctionConcurrency"])` -> {action: "allowed" |
"explicitDeny" | "implicitDeny"}. moto server does not implement SimulatePrincipalPolicy (it answers 500):
that surfaces as a `ProviderError`, and the caller reports the check as unknown rather than guessing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import ProviderError
from multicloud_ctl.providers.aws.errors import aws_errors

if TYPE_CHECKING:
    from multicloud_ctl.providers.aws.session import AwsClients


@dataclass
class IamSimulator:
    clients: AwsClients

    def caller_arn(self) -> str:
        """The ARN of the identity making our calls (sts GetCallerIdentity)."""
        with aws_errors("GetCallerIdentity"):
            return str(self.clients.client("sts").get_caller_identity()["Arn"])

    def simulate(self, arn: str, actions: list[str]) -> dict[str, str]:
        """IAM's decision for each action, for the principal `arn` (iam SimulatePrincipalPolicy)."""
        from botocore.exceptions import BotoCoreError
        from botocore.parsers import ResponseParserError

        client: Any = self.clients.client("iam", "us-east-1")  # a global service
        out: dict[str, str] = {}
        try:
            with aws_errors("SimulatePrincipalPolicy", arn):
                pages = client.get_paginator("simulate_principal_policy").paginate(
                    PolicySourceArn=arn, ActionNames=list(actions)
                )
                for page in pages:
                    for result in page.get("EvaluationResults", []):
                        out[str(result["EvalActionName"])] = str(result["EvalDecision"])
        except (BotoCoreError, ResponseParserError) as exc:  # an answer that is no IAM answer (moto's 500 page)
            raise ProviderError(
                f"AWS SimulatePrincipalPolicy: {type(exc).__name__}: {str(exc).splitlines()[0][:160]}",
                provider="aws",
                operation="SimulatePrincipalPolicy",
            ) from exc
        return out
