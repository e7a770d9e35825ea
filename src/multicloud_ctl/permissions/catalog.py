"""What each cloud API call of `providers/` needs, in each cloud's own words: the curated half of `permissions`.

The scan (`scan.py`) finds the calls; this table says what each needs. A call the scan finds without an entry
here fails `tests/unit/permissions/test_catalog.py` with its file and line, so a new provider call cannot
ship without its permission; an entry no call needs any more fails it too.

AWS: operation (`<boto3 service>:<API operation>`) -> IAM actions. Most are `<prefix>:<Operation>`; where IAM
names it differently the entry says so (the Service Authorization Reference, "Actions defined by ..." of each
service, lists which API operation each action covers):
  - S3 ListObjectsV2 / HeadBucket are s3:ListBucket; HeadObject is s3:GetObject; ListObjectVersions is
    s3:ListBucketVersions; DeleteObjects is s3:DeleteObject per key; the bucket configuration calls have their
    own action names (PutBucketEncryption -> s3:PutEncryptionConfiguration, ...).
  - DynamoDB Streams (`dynamodbstreams`) is authorized as `dynamodb:` actions on the stream ARN.
  - API Gateway v1 is authorized by HTTP method on the resource path: GetRestApis -> apigateway:GET.
  - Tags given at creation need the tagging action as well (CreateRole + Tags -> iam:TagRole, ...), and a call
    that hands a role to a service needs iam:PassRole on it (Lambda's execution role, S3 replication's role).
  - sts:GetCallerIdentity needs no permission (it cannot be denied).

Azure: operation (`<AzureClients attr>.<operation group>.<method>` for the mgmt SDKs, `<StorageClient>.<method>`
for blob, `<module>.<Class> <HTTP method>` for the REST calls we send ourselves) -> RBAC `actions` (control
plane) and `data_actions` (data plane). The generic ARM calls (`resources.resources.*_by_id`) take their
permissions from `ARM_TYPES`: each type provision writes needs `<type>/read|write|delete`.

Cloudflare: SDK operation (`load_balancers.pools.edit`) -> the API token permission group and its scope, as the
published OpenAPI schema names it (`x-api-token-group` of the operation in github.com/cloudflare/api-schemas;
the dashboard shows "Write" as "Edit").
"""

from __future__ import annotations

from dataclasses import dataclass

# ---- AWS -----------------------------------------------------------------------------------------------------
AWS: dict[str, tuple[str, ...]] = {
    # API Gateway v1: actions are HTTP methods on arn:aws:apigateway:<region>::/restapis/...
    # (create = POST, read = GET, put = PUT, update = PATCH, delete = DELETE; tags given at creation and
    # TagResource are PUT on /tags/<arn>)
    "apigateway:CreateAuthorizer": ("apigateway:POST",),
    "apigateway:CreateBasePathMapping": ("apigateway:POST",),
    "apigateway:CreateDomainName": ("apigateway:POST", "apigateway:PUT"),
    "apigateway:CreateDeployment": ("apigateway:POST",),
    "apigateway:CreateResource": ("apigateway:POST",),
    "apigateway:CreateRestApi": ("apigateway:POST", "apigateway:PUT"),
    "apigateway:CreateStage": ("apigateway:POST", "apigateway:PUT"),
    "apigateway:DeleteDomainName": ("apigateway:DELETE",),
    "apigateway:DeleteMethod": ("apigateway:DELETE",),
    "apigateway:DeleteResource": ("apigateway:DELETE",),
    "apigateway:DeleteRestApi": ("apigateway:DELETE",),
    "apigateway:GetAuthorizers": ("apigateway:GET",),
    "apigateway:GetAccount": ("apigateway:GET",),
    "apigateway:GetBasePathMappings": ("apigateway:GET",),
    "apigateway:GetDeployment": ("apigateway:GET",),
    "apigateway:GetDomainName": ("apigateway:GET",),
    "apigateway:GetResources": ("apigateway:GET",),
    "apigateway:GetRestApis": ("apigateway:GET",),
    "apigateway:GetStage": ("apigateway:GET",),
    "apigateway:GetStages": ("apigateway:GET",),
    "apigateway:PutIntegration": ("apigateway:PUT",),
    "apigateway:PutMethod": ("apigateway:PUT",),
    "apigateway:TagResource": ("apigateway:PUT",),
    # setting the account's CloudWatch Logs role hands that role to API Gateway
    "apigateway:UpdateAccount": ("apigateway:PATCH", "iam:PassRole"),
    "apigateway:UpdateAuthorizer": ("apigateway:PATCH",),
    "apigateway:UpdateDomainName": ("apigateway:PATCH",),
    # a stage's access log destination is written by API Gateway itself (the account's CloudWatch role)
    "apigateway:UpdateStage": ("apigateway:PATCH",),
    # Cost Explorer (global, us-east-1)
    "ce:GetCostAndUsage": ("ce:GetCostAndUsage",),
    "ce:GetCostForecast": ("ce:GetCostForecast",),
    "ce:GetReservationPurchaseRecommendation": ("ce:GetReservationPurchaseRecommendation",),
    "ce:GetSavingsPlansPurchaseRecommendation": ("ce:GetSavingsPlansPurchaseRecommendation",),
    # CloudFront: CreateDistributionWithTags is authorized as CreateDistribution + TagResource
    "cloudfront:CreateDistributionWithTags": ("cloudfront:CreateDistribution", "cloudfront:TagResource"),
    "cloudfront:CreateOriginAccessControl": ("cloudfront:CreateOriginAccessControl",),
    "cloudfront:DeleteDistribution": ("cloudfront:DeleteDistribution",),
    "cloudfront:DeleteOriginAccessControl": ("cloudfront:DeleteOriginAccessControl",),
    "cloudfront:GetDistributionConfig": ("cloudfront:GetDistributionConfig",),
    "cloudfront:GetOriginAccessControl": ("cloudfront:GetOriginAccessControl",),
    "cloudfront:ListDistributions": ("cloudfront:ListDistributions",),
    "cloudfront:ListOriginAccessControls": ("cloudfront:ListOriginAccessControls",),
    "cloudfront:ListTagsForResource": ("cloudfront:ListTagsForResource",),
    "cloudfront:TagResource": ("cloudfront:TagResource",),
    "cloudfront:UpdateDistribution": ("cloudfront:UpdateDistribution",),
    # CloudWatch (PutMetricAlarm is sent with Tags)
    "cloudwatch:DeleteAlarms": ("cloudwatch:DeleteAlarms",),
    "cloudwatch:DescribeAlarms": ("cloudwatch:DescribeAlarms",),
    "cloudwatch:GetMetricStatistics": ("cloudwatch:GetMetricStatistics",),
    "cloudwatch:ListMetrics": ("cloudwatch:ListMetrics",),
    "cloudwatch:ListTagsForResource": ("cloudwatch:ListTagsForResource",),
    "cloudwatch:PutMetricAlarm": ("cloudwatch:PutMetricAlarm", "cloudwatch:TagResource"),
    "cloudwatch:PutMetricData": ("cloudwatch:PutMetricData",),
    "cloudwatch:TagResource": ("cloudwatch:TagResource",),
    # Cognito user pools (CreateUserPool / UpdateUserPool carry UserPoolTags)
    "cognito-idp:AddCustomAttributes": ("cognito-idp:AddCustomAttributes",),
    "cognito-idp:CreateUserPool": ("cognito-idp:CreateUserPool", "cognito-idp:TagResource"),
    "cognito-idp:CreateUserPoolClient": ("cognito-idp:CreateUserPoolClient",),
    "cognito-idp:DeleteUserPool": ("cognito-idp:DeleteUserPool",),
    "cognito-idp:DeleteUserPoolClient": ("cognito-idp:DeleteUserPoolClient",),
    "cognito-idp:DescribeUserPool": ("cognito-idp:DescribeUserPool",),
    "cognito-idp:DescribeUserPoolClient": ("cognito-idp:DescribeUserPoolClient",),
    "cognito-idp:ListUserPoolClients": ("cognito-idp:ListUserPoolClients",),
    "cognito-idp:ListUserPools": ("cognito-idp:ListUserPools",),
    "cognito-idp:UpdateUserPool": ("cognito-idp:UpdateUserPool", "cognito-idp:TagResource"),
    "cognito-idp:UpdateUserPoolClient": ("cognito-idp:UpdateUserPoolClient",),
    # DynamoDB (CreateTable is sent with Tags)
    "dynamodb:BatchWriteItem": ("dynamodb:BatchWriteItem",),
    "dynamodb:CreateTable": ("dynamodb:CreateTable", "dynamodb:TagResource"),
    "dynamodb:DeleteTable": ("dynamodb:DeleteTable",),
    "dynamodb:DescribeContinuousBackups": ("dynamodb:DescribeContinuousBackups",),
    "dynamodb:DescribeExport": ("dynamodb:DescribeExport",),
    "dynamodb:DescribeTable": ("dynamodb:DescribeTable",),
    "dynamodb:ListTables": ("dynamodb:ListTables",),
    # the export writes to the playbook's S3 bucket with the caller's rights (DynamoDB developer guide,
    # "Requesting a table export in DynamoDB": s3:PutObject, s3:AbortMultipartUpload, s3:PutObjectAcl)
    "dynamodb:ExportTableToPointInTime": (
        "dynamodb:ExportTableToPointInTime",
        "s3:AbortMultipartUpload",
        "s3:PutObject",
        "s3:PutObjectAcl",
    ),
    "dynamodb:ListTagsOfResource": ("dynamodb:ListTagsOfResource",),
    "dynamodb:Scan": ("dynamodb:Scan",),
    "dynamodb:TagResource": ("dynamodb:TagResource",),
    "dynamodb:UpdateContinuousBackups": ("dynamodb:UpdateContinuousBackups",),
    "dynamodb:UpdateItem": ("dynamodb:UpdateItem",),
    "dynamodb:UpdateTable": ("dynamodb:UpdateTable",),
    # DynamoDB Streams: its own endpoint and boto3 client, IAM actions in the dynamodb namespace
    "dynamodbstreams:DescribeStream": ("dynamodb:DescribeStream",),
    "dynamodbstreams:GetRecords": ("dynamodb:GetRecords",),
    "dynamodbstreams:GetShardIterator": ("dynamodb:GetShardIterator",),
    # EC2 (VPC, subnets and the VPN gateway are created with TagSpecifications: ec2:CreateTags)
    "ec2:AttachVpnGateway": ("ec2:AttachVpnGateway",),
    "ec2:CreateSubnet": ("ec2:CreateSubnet", "ec2:CreateTags"),
    "ec2:CreateTags": ("ec2:CreateTags",),
    "ec2:CreateVpc": ("ec2:CreateVpc", "ec2:CreateTags"),
    "ec2:CreateCustomerGateway": ("ec2:CreateCustomerGateway", "ec2:CreateTags"),
    "ec2:CreateVpnConnection": ("ec2:CreateVpnConnection", "ec2:CreateTags"),
    "ec2:CreateVpnGateway": ("ec2:CreateVpnGateway", "ec2:CreateTags"),
    "ec2:CreateVpcEndpoint": ("ec2:CreateVpcEndpoint", "ec2:CreateTags"),
    "ec2:DeleteVpcEndpoints": ("ec2:DeleteVpcEndpoints",),
    "ec2:DescribeRouteTables": ("ec2:DescribeRouteTables",),
    "ec2:DescribeSubnets": ("ec2:DescribeSubnets",),
    "ec2:DescribeVpcEndpoints": ("ec2:DescribeVpcEndpoints",),
    "ec2:ModifyVpcEndpoint": ("ec2:ModifyVpcEndpoint",),
    "ec2:DescribeVpcAttribute": ("ec2:DescribeVpcAttribute",),
    "ec2:DetachVpnGateway": ("ec2:DetachVpnGateway",),
    "ec2:ModifyVpcAttribute": ("ec2:ModifyVpcAttribute",),
    "ec2:DeleteCustomerGateway": ("ec2:DeleteCustomerGateway",),
    "ec2:DeleteSubnet": ("ec2:DeleteSubnet",),
    "ec2:DeleteVpc": ("ec2:DeleteVpc",),
    "ec2:DeleteVpnConnection": ("ec2:DeleteVpnConnection",),
    "ec2:DeleteVpnGateway": ("ec2:DeleteVpnGateway",),
    "ec2:DescribeCustomerGateways": ("ec2:DescribeCustomerGateways",),
    "ec2:DescribeVpcs": ("ec2:DescribeVpcs",),
    "ec2:DescribeVpnConnections": ("ec2:DescribeVpnConnections",),
    "ec2:DescribeVpnGateways": ("ec2:DescribeVpnGateways",),
    # ElastiCache (the session cache; both creates are sent with Tags: elasticache:AddTagsToResource)
    "elasticache:AddTagsToResource": ("elasticache:AddTagsToResource",),
    "elasticache:CreateCacheSubnetGroup": ("elasticache:CreateCacheSubnetGroup", "elasticache:AddTagsToResource"),
    "elasticache:CreateReplicationGroup": ("elasticache:CreateReplicationGroup", "elasticache:AddTagsToResource"),
    "elasticache:DeleteCacheSubnetGroup": ("elasticache:DeleteCacheSubnetGroup",),
    "elasticache:DeleteReplicationGroup": ("elasticache:DeleteReplicationGroup",),
    "elasticache:DescribeCacheSubnetGroups": ("elasticache:DescribeCacheSubnetGroups",),
    "elasticache:DescribeReplicationGroups": ("elasticache:DescribeReplicationGroups",),
    "elasticache:ListTagsForResource": ("elasticache:ListTagsForResource",),
    "elasticache:ModifyReplicationGroup": ("elasticache:ModifyReplicationGroup",),
    # IAM (the functions' execution role; CreateRole is sent with Tags)
    "iam:CreateRole": ("iam:CreateRole", "iam:TagRole"),
    "iam:DeleteRole": ("iam:DeleteRole",),
    "iam:DeleteRolePolicy": ("iam:DeleteRolePolicy",),
    "iam:GetRole": ("iam:GetRole",),
    "iam:GetRolePolicy": ("iam:GetRolePolicy",),
    "iam:ListRolePolicies": ("iam:ListRolePolicies",),
    "iam:PutRolePolicy": ("iam:PutRolePolicy",),
    "iam:SimulatePrincipalPolicy": ("iam:SimulatePrincipalPolicy",),
    "iam:UpdateAssumeRolePolicy": ("iam:UpdateAssumeRolePolicy",),
    # Lambda: creating a function hands it the execution role (iam:PassRole) and reads the package from S3
    # with the caller's rights (s3:GetObject); CreateFunction is sent with Tags
    "lambda:AddPermission": ("lambda:AddPermission",),
    "lambda:CreateAlias": ("lambda:CreateAlias",),
    "lambda:CreateEventSourceMapping": ("lambda:CreateEventSourceMapping",),
    "lambda:CreateFunction": ("lambda:CreateFunction", "lambda:TagResource", "iam:PassRole", "s3:GetObject"),
    "lambda:DeleteFunctionConcurrency": ("lambda:DeleteFunctionConcurrency",),
    "lambda:DeleteProvisionedConcurrencyConfig": ("lambda:DeleteProvisionedConcurrencyConfig",),
    "lambda:GetAlias": ("lambda:GetAlias",),
    "lambda:GetFunction": ("lambda:GetFunction",),
    "lambda:GetFunctionConcurrency": ("lambda:GetFunctionConcurrency",),
    "lambda:GetPolicy": ("lambda:GetPolicy",),
    "lambda:GetProvisionedConcurrencyConfig": ("lambda:GetProvisionedConcurrencyConfig",),
    "lambda:ListEventSourceMappings": ("lambda:ListEventSourceMappings",),
    "lambda:ListVersionsByFunction": ("lambda:ListVersionsByFunction",),
    "lambda:PublishVersion": ("lambda:PublishVersion",),
    "lambda:PutFunctionConcurrency": ("lambda:PutFunctionConcurrency",),
    "lambda:PutProvisionedConcurrencyConfig": ("lambda:PutProvisionedConcurrencyConfig",),
    "lambda:RemovePermission": ("lambda:RemovePermission",),
    "lambda:UpdateAlias": ("lambda:UpdateAlias",),
    "lambda:UpdateEventSourceMapping": ("lambda:UpdateEventSourceMapping",),
    "lambda:UpdateFunctionCode": ("lambda:UpdateFunctionCode", "s3:GetObject"),
    "lambda:UpdateFunctionConfiguration": ("lambda:UpdateFunctionConfiguration", "iam:PassRole"),
    # CloudWatch Logs
    "logs:CreateLogGroup": ("logs:CreateLogGroup", "logs:TagResource"),
    "logs:CreateLogStream": ("logs:CreateLogStream",),
    "logs:DeleteLogGroup": ("logs:DeleteLogGroup",),
    "logs:DescribeLogGroups": ("logs:DescribeLogGroups",),
    "logs:FilterLogEvents": ("logs:FilterLogEvents",),
    "logs:PutLogEvents": ("logs:PutLogEvents",),
    "logs:PutRetentionPolicy": ("logs:PutRetentionPolicy",),
    # S3: the API operation and the IAM action often differ
    "s3:CreateBucket": ("s3:CreateBucket",),
    "s3:DeleteBucket": ("s3:DeleteBucket",),
    "s3:DeleteBucketPolicy": ("s3:DeleteBucketPolicy",),
    "s3:DeleteObjects": ("s3:DeleteObject",),  # Multi-Object Delete checks s3:DeleteObject per key
    "s3:GetBucketEncryption": ("s3:GetEncryptionConfiguration",),
    "s3:GetBucketInventoryConfiguration": ("s3:GetInventoryConfiguration",),
    "s3:GetBucketLifecycleConfiguration": ("s3:GetLifecycleConfiguration",),
    "s3:GetBucketPolicy": ("s3:GetBucketPolicy",),
    "s3:GetBucketReplication": ("s3:GetReplicationConfiguration",),
    "s3:GetBucketTagging": ("s3:GetBucketTagging",),
    "s3:GetBucketVersioning": ("s3:GetBucketVersioning",),
    "s3:GetObject": ("s3:GetObject",),  # also the presigned GETs: a presigned URL carries the signer's rights
    "s3:GetPublicAccessBlock": ("s3:GetBucketPublicAccessBlock",),
    "s3:HeadBucket": ("s3:ListBucket",),
    "s3:HeadObject": ("s3:GetObject",),
    "s3:ListObjectVersions": ("s3:ListBucketVersions",),
    "s3:ListObjectsV2": ("s3:ListBucket",),  # also the presigned listing of s3.py
    "s3:PutBucketEncryption": ("s3:PutEncryptionConfiguration",),
    "s3:PutBucketLifecycleConfiguration": ("s3:PutLifecycleConfiguration",),
    "s3:PutBucketPolicy": ("s3:PutBucketPolicy",),
    # the replication configuration names a role S3 assumes: handing it over is iam:PassRole
    "s3:PutBucketReplication": ("s3:PutReplicationConfiguration", "iam:PassRole"),
    "s3:PutBucketTagging": ("s3:PutBucketTagging",),
    "s3:PutBucketVersioning": ("s3:PutBucketVersioning",),
    "s3:PutObject": ("s3:PutObject",),
    "s3:PutPublicAccessBlock": ("s3:PutBucketPublicAccessBlock",),
    # Secrets Manager (CreateSecret is sent with Tags)
    "secretsmanager:CreateSecret": ("secretsmanager:CreateSecret", "secretsmanager:TagResource"),
    "secretsmanager:DescribeSecret": ("secretsmanager:DescribeSecret",),
    "secretsmanager:GetSecretValue": ("secretsmanager:GetSecretValue",),
    "secretsmanager:PutSecretValue": ("secretsmanager:PutSecretValue",),
    # SQS (CreateQueue is sent with tags)
    "sqs:ChangeMessageVisibility": ("sqs:ChangeMessageVisibility",),
    "sqs:CreateQueue": ("sqs:CreateQueue", "sqs:TagQueue"),
    "sqs:DeleteMessage": ("sqs:DeleteMessage",),
    "sqs:DeleteQueue": ("sqs:DeleteQueue",),
    "sqs:GetQueueAttributes": ("sqs:GetQueueAttributes",),
    "sqs:GetQueueUrl": ("sqs:GetQueueUrl",),
    "sqs:ListQueues": ("sqs:ListQueues",),
    "sqs:ListQueueTags": ("sqs:ListQueueTags",),
    "sqs:ReceiveMessage": ("sqs:ReceiveMessage",),
    "sqs:SetQueueAttributes": ("sqs:SetQueueAttributes",),
    "sqs:TagQueue": ("sqs:TagQueue",),
    # STS: GetCallerIdentity needs no permission ("no permissions are required to perform this operation")
    "sts:GetCallerIdentity": (),
    # WAFv2 (REGIONAL web ACLs on API Gateway stages: associating one also needs apigateway:SetWebACL on the
    # stage, per the AssociateWebACL API reference; CreateWebACL is sent with Tags)
    "wafv2:AssociateWebACL": ("wafv2:AssociateWebACL", "apigateway:SetWebACL"),
    "wafv2:CreateWebACL": ("wafv2:CreateWebACL", "wafv2:TagResource"),
    "wafv2:DeleteWebACL": ("wafv2:DeleteWebACL",),
    "wafv2:DisassociateWebACL": ("wafv2:DisassociateWebACL", "apigateway:SetWebACL"),
    "wafv2:GetWebACL": ("wafv2:GetWebACL",),
    "wafv2:GetWebACLForResource": ("wafv2:GetWebACLForResource",),
    "wafv2:ListTagsForResource": ("wafv2:ListTagsForResource",),
    "wafv2:ListWebACLs": ("wafv2:ListWebACLs",),
    "wafv2:TagResource": ("wafv2:TagResource",),
    "wafv2:UpdateWebACL": ("wafv2:UpdateWebACL",),
}


# ---- Azure ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AzureGrant:
    """An Azure call's RBAC permissions; `arm_types`: the generic by-id calls, whose actions come per type."""

    actions: tuple[str, ...] = ()
    data_actions: tuple[str, ...] = ()
    arm_types: str = ""  # "read" | "write" | "delete": that action on every type of ARM_TYPES that allows it


_RG = "Microsoft.Resources/subscriptions/resourceGroups"
_SITES = "Microsoft.Web/sites"
_CONTAINERS = "Microsoft.Storage/storageAccounts/blobServices/containers"
_BLOBS = f"{_CONTAINERS}/blobs"
# Blob data actions per REST operation ("Permissions for calling data operations", Azure Storage REST docs):
# reads (Get Blob, Get Blob Properties, List Blobs) -> blobs/read; Put Blob, Put Block, Put Block From URL,
# Put Block List, Set Blob Metadata, Snapshot Blob -> blobs/write (and blobs/add/action for new content);
# Delete Blob (and a batch of them) -> blobs/delete. Container create/exists are container actions.
BLOB_READ = (f"{_BLOBS}/read",)
BLOB_WRITE = (f"{_BLOBS}/write", f"{_BLOBS}/add/action")
BLOB_DELETE = (f"{_BLOBS}/delete",)

AZURE: dict[str, AzureGrant] = {
    # resource groups (functionapps.py: check_existence is a HEAD on the group: its read)
    "resources.resource_groups.begin_delete": AzureGrant((f"{_RG}/delete",)),
    "resources.resource_groups.check_existence": AzureGrant((f"{_RG}/read",)),
    "resources.resource_groups.create_or_update": AzureGrant((f"{_RG}/write",)),
    "resources.resource_groups.get": AzureGrant((f"{_RG}/read",)),
    # generic ARM resources by id (provision, alerts, security audit): per type, see ARM_TYPES
    # Writing a resource that references another checks the caller may link to it (linked access checks): the
    # VPN gateway joins the GatewaySubnet and its public IP; a connection joins both of its gateways. A private
    # endpoint joins its subnet and, auto-approved, needs the target's privateEndpointConnectionsApproval; its
    # DNS zone group joins the zone; a zone's virtual network link joins the VNet ("Azure RBAC permissions for
    # Azure Private Link", Microsoft Learn).
    "resources.resources.begin_create_or_update_by_id": AzureGrant(
        (
            "Microsoft.Network/virtualNetworks/subnets/join/action",
            "Microsoft.Network/publicIPAddresses/join/action",
            "Microsoft.Network/virtualNetworks/join/action",
            "Microsoft.Network/privateDnsZones/join/action",
            "Microsoft.Sql/servers/privateEndpointConnectionsApproval/action",
            "Microsoft.Storage/storageAccounts/privateEndpointConnectionsApproval/action",
            "Microsoft.ServiceBus/namespaces/privateEndpointConnectionsApproval/action",
            "Microsoft.KeyVault/vaults/privateEndpointConnectionsApproval/action",
        ),
        arm_types="write",
    ),
    "resources.resources.begin_delete_by_id": AzureGrant(arm_types="delete"),
    "resources.resources.get_by_id": AzureGrant(arm_types="read"),
    # provision's plan reads: one "Resources - List By Resource Group" per group
    "resources.resources.list_by_resource_group": AzureGrant((f"{_RG}/resources/read",)),
    # SQL auto-failover groups: the failover workflow step (Microsoft.Sql resource provider operations)
    "sql.failover_groups.get": AzureGrant(("Microsoft.Sql/servers/failoverGroups/read",)),
    "sql.failover_groups.begin_failover": AzureGrant(("Microsoft.Sql/servers/failoverGroups/failover/action",)),
    "sql.failover_groups.begin_force_failover_allow_data_loss": AzureGrant(
        ("Microsoft.Sql/servers/failoverGroups/forceFailoverAllowDataLoss/action",)
    ),
    # Service Bus Geo-DR aliases: the failover workflow step (Microsoft.ServiceBus resource provider operations)
    "servicebus.disaster_recovery_configs.get": AzureGrant(
        ("Microsoft.ServiceBus/namespaces/disasterRecoveryConfigs/read",)
    ),
    "servicebus.disaster_recovery_configs.fail_over": AzureGrant(
        ("Microsoft.ServiceBus/namespaces/disasterRecoveryConfigs/failover/action",)
    ),
    "servicebus.disaster_recovery_configs.break_pairing": AzureGrant(
        ("Microsoft.ServiceBus/namespaces/disasterRecoveryConfigs/breakPairing/action",)
    ),
    # function apps and slots (Microsoft.Web): app settings are read with POST .../config/appsettings/list
    "web.web_apps.begin_create_or_update": AzureGrant((f"{_SITES}/write",)),
    "web.web_apps.begin_create_or_update_slot": AzureGrant((f"{_SITES}/slots/write",)),
    "web.web_apps.begin_swap_slot": AzureGrant((f"{_SITES}/slots/slotsswap/action",)),
    "web.web_apps.get": AzureGrant((f"{_SITES}/read",)),
    "web.web_apps.get_slot": AzureGrant((f"{_SITES}/slots/read",)),
    "web.web_apps.list_application_settings": AzureGrant((f"{_SITES}/config/list/action",)),
    "web.web_apps.list_application_settings_slot": AzureGrant((f"{_SITES}/slots/config/list/action",)),
    "web.web_apps.update_application_settings": AzureGrant((f"{_SITES}/config/write",)),
    "web.web_apps.update_application_settings_slot": AzureGrant((f"{_SITES}/slots/config/write",)),
    # Cost Management (the "Cost Management Reader" role holds both)
    "cost.query.usage": AzureGrant(("Microsoft.CostManagement/query/action",)),
    "cost.benefit_recommendations.list": AzureGrant(("Microsoft.CostManagement/benefitRecommendations/read",)),
    # Blob Storage through the SDK (with Entra ID; a connection string / account key bypasses RBAC)
    "ContainerClient.create_container": AzureGrant((f"{_CONTAINERS}/write",)),
    "ContainerClient.exists": AzureGrant((f"{_CONTAINERS}/read",)),
    "ContainerClient.delete_blobs": AzureGrant(data_actions=BLOB_DELETE),  # Blob Batch of Delete Blob
    "ContainerClient.download_blob": AzureGrant(data_actions=BLOB_READ),
    "ContainerClient.upload_blob": AzureGrant(data_actions=BLOB_WRITE),
    "BlobClient.commit_block_list": AzureGrant(data_actions=BLOB_WRITE),
    "BlobClient.create_snapshot": AzureGrant(data_actions=BLOB_WRITE),
    "BlobClient.delete_blob": AzureGrant(data_actions=BLOB_DELETE),
    "BlobClient.download_blob": AzureGrant(data_actions=BLOB_READ),
    "BlobClient.exists": AzureGrant(data_actions=BLOB_READ),
    "BlobClient.get_blob_properties": AzureGrant(data_actions=BLOB_READ),
    "BlobClient.set_blob_metadata": AzureGrant(data_actions=BLOB_WRITE),
    "BlobClient.stage_block": AzureGrant(data_actions=BLOB_WRITE),
    "BlobClient.stage_block_from_url": AzureGrant(data_actions=BLOB_WRITE),  # the source is a presigned S3 URL
    "BlobClient.upload_blob": AzureGrant(data_actions=BLOB_WRITE),
    # Blob REST calls sent on urllib3 (blobwire.py): GET = List Blobs and Get Container Properties, PUT = Put Blob,
    # Put Block, Put Block List and Create Container (the container calls as ContainerClient.exists/create_container)
    "blob.BlobContainer GET": AzureGrant((f"{_CONTAINERS}/read",), data_actions=BLOB_READ),
    "blob.BlobContainer PUT": AzureGrant((f"{_CONTAINERS}/write",), data_actions=BLOB_WRITE),
    # Key Vault secrets over REST (RBAC-mode vaults; "Key Vault Secrets Officer" holds both)
    "keyvault.KeyVaultSecrets GET": AzureGrant(data_actions=("Microsoft.KeyVault/vaults/secrets/getSecret/action",)),
    "keyvault.KeyVaultSecrets PUT": AzureGrant(data_actions=("Microsoft.KeyVault/vaults/secrets/setSecret/action",)),
    # Azure Monitor: metrics read on the resource (ARM), custom metrics and Logs Ingestion are data actions of
    # the "Monitoring Metrics Publisher" role, Log Analytics queries need the workspace's query read
    "monitor_metrics.AzureMetrics GET": AzureGrant(("Microsoft.Insights/metrics/read",)),
    # the caller's own effective permissions on a scope (failover readiness): "Lists all the permissions the
    # caller has for a given resource" (Microsoft.Authorization resource provider operations)
    "permissions_list.ArmPermissions GET": AzureGrant(("Microsoft.Authorization/permissions/read",)),
    "monitor_metrics.AzureMetrics POST": AzureGrant(data_actions=("Microsoft.Insights/Metrics/Write",)),
    "LogsIngestionClient.upload": AzureGrant(data_actions=("Microsoft.Insights/Telemetry/Write",)),
    "monitor_logs.LogAnalyticsQuery POST": AzureGrant(
        ("Microsoft.OperationalInsights/workspaces/read", "Microsoft.OperationalInsights/workspaces/query/read")
    ),
}

# Every ARM resource type mcctl reads or writes by id, and what it does with it (`test_catalog.py` checks this
# against the ids provision builds). Reading a child type needs the child's own read.
ARM_TYPES: dict[str, tuple[str, ...]] = {
    "Microsoft.Authorization/roleAssignments": ("read", "write", "delete"),
    "Microsoft.Cache/redis": ("read", "write", "delete"),  # also read by deploy (the functions' cache endpoint)
    "Microsoft.Cdn/profiles": ("read", "write", "delete"),
    "Microsoft.Cdn/profiles/afdEndpoints": ("read", "write", "delete"),
    "Microsoft.Cdn/profiles/afdEndpoints/routes": ("read", "write", "delete"),
    "Microsoft.Cdn/profiles/originGroups": ("read", "write", "delete"),
    "Microsoft.Cdn/profiles/originGroups/origins": ("read", "write", "delete"),
    "Microsoft.Cdn/profiles/securityPolicies": ("read", "write", "delete"),
    # logs ship also reads the rule and its endpoint (operations/observability/ingestion_target.py)
    "Microsoft.Insights/dataCollectionEndpoints": ("read", "write", "delete"),
    "Microsoft.Insights/dataCollectionRules": ("read", "write", "delete"),
    "Microsoft.Insights/diagnosticSettings": ("read", "write", "delete"),
    "Microsoft.Insights/metricAlerts": ("read", "write"),  # mcctl alerts apply
    "Microsoft.Network/FrontDoorWebApplicationFirewallPolicies": ("read", "write", "delete"),
    "Microsoft.Network/connections": ("read", "write", "delete"),
    "Microsoft.Network/localNetworkGateways": ("read", "write", "delete"),
    "Microsoft.Network/publicIPAddresses": ("read", "write", "delete"),
    "Microsoft.Network/virtualNetworkGateways": ("read", "write", "delete"),
    "Microsoft.KeyVault/vaults": ("read", "write", "delete"),
    "Microsoft.KeyVault/locations/deletedVaults": ("read",),  # azure_key_vault recovers a soft-deleted vault
    "Microsoft.Network/virtualNetworks": ("read", "write", "delete"),
    "Microsoft.Network/privateEndpoints": ("read", "write", "delete"),
    "Microsoft.Network/privateEndpoints/privateDnsZoneGroups": ("read", "write", "delete"),
    "Microsoft.Network/privateDnsZones": ("read", "write", "delete"),
    "Microsoft.Network/privateDnsZones/virtualNetworkLinks": ("read", "write", "delete"),
    "Microsoft.OperationalInsights/workspaces": ("read", "write", "delete"),
    "Microsoft.OperationalInsights/workspaces/tables": ("read", "write", "delete"),
    "Microsoft.Resources/subscriptions/resourceGroups": ("read", "write", "delete"),
    "Microsoft.ServiceBus/namespaces": ("read", "write", "delete"),
    "Microsoft.ServiceBus/namespaces/disasterRecoveryConfigs": ("read", "write", "delete"),
    "Microsoft.ServiceBus/namespaces/queues": ("read", "write", "delete"),
    "Microsoft.ServiceBus/namespaces/topics": ("read", "write", "delete"),
    "Microsoft.ServiceBus/namespaces/topics/subscriptions": ("read", "write", "delete"),
    "Microsoft.Sql/servers": ("read", "write", "delete"),
    "Microsoft.Sql/servers/databases": ("read", "write", "delete"),
    "Microsoft.Sql/servers/databases/transparentDataEncryption": ("read",),  # security audit
    "Microsoft.Sql/servers/failoverGroups": ("read", "write", "delete"),
    "Microsoft.Sql/servers/firewallRules": ("read", "write", "delete"),
    "Microsoft.Storage/storageAccounts": ("read", "write", "delete"),
    "Microsoft.Storage/storageAccounts/blobServices/containers": ("read", "write", "delete"),
    "Microsoft.Storage/storageAccounts/managementPolicies": ("read", "write", "delete"),
    "Microsoft.Web/serverfarms": ("read", "write", "delete"),
    "Microsoft.Web/sites": ("read", "write", "delete"),
    "Microsoft.Web/sites/config": ("read",),  # the function app's drift and the audit read .../config/web
}


# ---- Cloudflare ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CloudflareGrant:
    """An API token permission group (its API name, e.g. "DNS Write") and where it applies."""

    group: str  # "" when the call needs none
    scope: str = "zone"  # "zone" | "account"


_LB = CloudflareGrant("Load Balancers Write", "zone")
_POOLS = CloudflareGrant("Load Balancing: Monitors and Pools Write", "account")
_DNS = CloudflareGrant("DNS Write", "zone")
_D1 = CloudflareGrant("D1 Write", "account")

CLOUDFLARE: dict[str, CloudflareGrant] = {
    "load_balancers.create": _LB,
    "load_balancers.delete": _LB,
    "load_balancers.edit": _LB,
    "load_balancers.get": _LB,
    "load_balancers.list": _LB,
    "load_balancers.update": _LB,
    "load_balancers.monitors.create": _POOLS,
    "load_balancers.monitors.delete": _POOLS,
    "load_balancers.monitors.edit": _POOLS,
    "load_balancers.monitors.get": _POOLS,
    "load_balancers.monitors.list": _POOLS,
    "load_balancers.monitors.update": _POOLS,
    "load_balancers.pools.create": _POOLS,
    "load_balancers.pools.delete": _POOLS,
    "load_balancers.pools.edit": _POOLS,
    "load_balancers.pools.get": _POOLS,
    "load_balancers.pools.health.get": _POOLS,
    "load_balancers.pools.list": _POOLS,
    "load_balancers.pools.update": _POOLS,
    "dns.records.create": _DNS,
    "dns.records.delete": _DNS,
    "dns.records.edit": _DNS,
    "dns.records.get": _DNS,
    "dns.records.list": _DNS,
    "dns.records.update": _DNS,
    # the zone's http_ratelimit phase entrypoint: the operation accepts one of many groups, one per phase
    # family; the rate-limiting phase is the WAF's ("Create rate limiting rules via API", Cloudflare WAF docs)
    "rulesets.phases.get": CloudflareGrant("Zone WAF Write", "zone"),
    "rulesets.phases.update": CloudflareGrant("Zone WAF Write", "zone"),
    "zones.settings.get": CloudflareGrant("Zone Settings Write", "zone"),
    "zones.settings.edit": CloudflareGrant("Zone Settings Write", "zone"),
    "d1.database.create": _D1,  # the lease store's database `mcctl-leases`
    "d1.database.list": _D1,
    "d1.database.query": _D1,
    "user.tokens.verify": CloudflareGrant(""),  # any active token may verify itself
}
