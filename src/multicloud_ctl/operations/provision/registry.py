"""The resource-kind registry: adding a kind = one module under `kinds/` + one line here.

The order of this list is the default apply order (explicit `depends_on` edges refine it); destroy runs
in reverse. Kind modules import no cloud SDK at import time, so the playbook schema can list them cheaply.
"""

from __future__ import annotations

from multicloud_ctl.operations.provision.kind import ResourceKind
from multicloud_ctl.operations.provision.kinds.apigateway_rest_api import ApiGatewayRestApi
from multicloud_ctl.operations.provision.kinds.azure_blob_container import AzureBlobContainer
from multicloud_ctl.operations.provision.kinds.azure_data_collection_endpoint import AzureDataCollectionEndpoint
from multicloud_ctl.operations.provision.kinds.azure_data_collection_rule import AzureDataCollectionRule
from multicloud_ctl.operations.provision.kinds.azure_diagnostic_setting import AzureDiagnosticSetting
from multicloud_ctl.operations.provision.kinds.azure_frontdoor import AzureFrontDoor
from multicloud_ctl.operations.provision.kinds.azure_frontdoor_waf import AzureFrontDoorWaf
from multicloud_ctl.operations.provision.kinds.azure_function_app import AzureFunctionApp
from multicloud_ctl.operations.provision.kinds.azure_function_plan import AzureFunctionPlan
from multicloud_ctl.operations.provision.kinds.azure_key_vault import AzureKeyVault
from multicloud_ctl.operations.provision.kinds.azure_local_network_gateway import AzureLocalNetworkGateway
from multicloud_ctl.operations.provision.kinds.azure_log_workspace import AzureLogWorkspace
from multicloud_ctl.operations.provision.kinds.azure_private_dns_zone import AzurePrivateDnsZone
from multicloud_ctl.operations.provision.kinds.azure_private_endpoint import AzurePrivateEndpoint
from multicloud_ctl.operations.provision.kinds.azure_redis_cache import AzureRedisCache
from multicloud_ctl.operations.provision.kinds.azure_resource_group import AzureResourceGroup
from multicloud_ctl.operations.provision.kinds.azure_role_assignment import AzureRoleAssignment
from multicloud_ctl.operations.provision.kinds.azure_servicebus_geo_dr import AzureServiceBusGeoDr
from multicloud_ctl.operations.provision.kinds.azure_servicebus_namespace import AzureServiceBusNamespace
from multicloud_ctl.operations.provision.kinds.azure_servicebus_queue import AzureServiceBusQueue
from multicloud_ctl.operations.provision.kinds.azure_servicebus_subscription import (
    AzureServiceBusSubscription,
)
from multicloud_ctl.operations.provision.kinds.azure_servicebus_topic import AzureServiceBusTopic
from multicloud_ctl.operations.provision.kinds.azure_sql_database import AzureSqlDatabase
from multicloud_ctl.operations.provision.kinds.azure_sql_failover_group import AzureSqlFailoverGroup
from multicloud_ctl.operations.provision.kinds.azure_sql_server import AzureSqlServer
from multicloud_ctl.operations.provision.kinds.azure_storage_account import AzureStorageAccount
from multicloud_ctl.operations.provision.kinds.azure_storage_lifecycle import AzureStorageLifecycle
from multicloud_ctl.operations.provision.kinds.azure_vnet import AzureVnet
from multicloud_ctl.operations.provision.kinds.azure_vpn_connection import AzureVpnConnection
from multicloud_ctl.operations.provision.kinds.azure_vpn_gateway import AzureVpnGateway
from multicloud_ctl.operations.provision.kinds.cf_dns_record import CfDnsRecord
from multicloud_ctl.operations.provision.kinds.cf_load_balancer import CfLoadBalancer
from multicloud_ctl.operations.provision.kinds.cf_monitor import CfMonitor
from multicloud_ctl.operations.provision.kinds.cf_pool import CfPool
from multicloud_ctl.operations.provision.kinds.cf_ratelimit_rule import CfRatelimitRule
from multicloud_ctl.operations.provision.kinds.cf_zone_settings import CfZoneSettings
from multicloud_ctl.operations.provision.kinds.cloudfront_distribution import CloudFrontDistribution
from multicloud_ctl.operations.provision.kinds.cloudwatch_alarm import CloudWatchAlarm
from multicloud_ctl.operations.provision.kinds.cognito_app_client import CognitoAppClient
from multicloud_ctl.operations.provision.kinds.cognito_user_pool import CognitoUserPool
from multicloud_ctl.operations.provision.kinds.customer_gateway import CustomerGateway
from multicloud_ctl.operations.provision.kinds.dynamodb_table import DynamoDbTable
from multicloud_ctl.operations.provision.kinds.elasticache_replication_group import ElastiCacheReplicationGroup
from multicloud_ctl.operations.provision.kinds.elasticache_subnet_group import ElastiCacheSubnetGroup
from multicloud_ctl.operations.provision.kinds.s3_bucket import S3Bucket
from multicloud_ctl.operations.provision.kinds.sql_schema import SqlSchema
from multicloud_ctl.operations.provision.kinds.sqs_queue import SqsQueue
from multicloud_ctl.operations.provision.kinds.subnet import Subnet
from multicloud_ctl.operations.provision.kinds.vpc import Vpc
from multicloud_ctl.operations.provision.kinds.vpc_endpoint import VpcEndpoint
from multicloud_ctl.operations.provision.kinds.vpn_connection import VpnConnection
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
    ApiGatewayRestApi,  # the routes' Cognito authorizer and the stage's web ACL come first
    Vpc,
    Subnet,
    VpcEndpoint,
    VpnGateway,
    CustomerGateway,  # needs the Azure VPN gateway's public IP (a depends_on edge)
    VpnConnection,
    ElastiCacheSubnetGroup,
    ElastiCacheReplicationGroup,
    CloudFrontDistribution,
    # Azure
    AzureResourceGroup,
    AzureStorageAccount,
    AzureBlobContainer,
    AzureStorageLifecycle,
    AzureSqlServer,
    AzureSqlDatabase,
    AzureSqlFailoverGroup,
    AzureServiceBusNamespace,
    AzureServiceBusQueue,
    AzureServiceBusTopic,
    AzureServiceBusGeoDr,
    AzureServiceBusSubscription,
    AzureFunctionPlan,
    AzureFunctionApp,
    AzureRedisCache,
    AzureRoleAssignment,
    AzureVnet,
    AzureVpnGateway,
    AzureLocalNetworkGateway,  # needs the AWS tunnels' outside IPs (a depends_on edge)
    AzureVpnConnection,
    AzureFrontDoor,
    AzureFrontDoorWaf,
    AzureLogWorkspace,
    AzureDataCollectionEndpoint,
    AzureDataCollectionRule,
    AzureDiagnosticSetting,
    AzureKeyVault,
    AzurePrivateDnsZone,  # the privatelink zones, linked to every location's VNet
    AzurePrivateEndpoint,  # SQL, Blob, Service Bus (Premium), Key Vault: after their targets and zones
    SqlSchema,
    # Cloudflare
    CfMonitor,
    CfPool,
    CfLoadBalancer,
    CfZoneSettings,
    CfDnsRecord,
    CfRatelimitRule,
]

KINDS: dict[str, ResourceKind] = {cls.name: cls() for cls in KIND_CLASSES}
