"""The resource-kind registry: adding a kind = one module under `kinds/` + one line here.

The order of this list is the default apply order (explicit `depends_on` edges refine it); destroy runs
in reverse. Kind modules import no cloud SDK at import time, so the playbook schema can list them cheaply.
"""

from __future__ import annotations

from multicloud_ctl.operations.provision.kind import ResourceKind
from multicloud_ctl.operations.provision.kinds.cloudfront_distribution import CloudFrontDistribution
from multicloud_ctl.operations.provision.kinds.cloudwatch_alarm import CloudWatchAlarm
from multicloud_ctl.operations.provision.kinds.cognito_app_client import CognitoAppClient
from multicloud_ctl.operations.provision.kinds.cognito_user_pool import CognitoUserPool
from multicloud_ctl.operations.provision.kinds.dynamodb_table import DynamoDbTable
from multicloud_ctl.operations.provision.kinds.s3_bucket import S3Bucket
from multicloud_ctl.operations.provision.kinds.sqs_queue import SqsQueue
from multicloud_ctl.operations.provision.kinds.subnet import Subnet
from multicloud_ctl.operations.provision.kinds.vpc import Vpc
from multicloud_ctl.operations.provision.kinds.vpn_gateway import VpnGateway
from multicloud_ctl.operations.provision.kinds.waf_web_acl import WafWebAcl

KIND_CLASSES: list[type[ResourceKind]] = [
    # AWS
    DynamoDbTable,
    S3Bucket,
    SqsQueue,
    CognitoUserPool,
    CognitoAppClient,
    CloudWatchAlarm,
    WafWebAcl,
    Vpc,
    Subnet,
    VpnGateway,
    CloudFrontDistribution,
]

KINDS: dict[str, ResourceKind] = {cls.name: cls() for cls in KIND_CLASSES}
