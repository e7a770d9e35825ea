"""What we know about the services and regions that show up on the two bills.

Maps each provider's service name (Cost Explorer's SERVICE dimension, Cost Management's ServiceName) to the
FOCUS ServiceCategory (a closed list) and a ServiceSubcategory, and region ids to display names. Unknown
services map to "Other" rather than failing the report.
"""

from __future__ import annotations

from functools import lru_cache

# service name -> (FOCUS ServiceCategory, ServiceSubcategory)
AWS_SERVICES: dict[str, tuple[str, str]] = {
    "AWS Lambda": ("Compute", "Serverless Compute"),
    "Amazon Elastic Compute Cloud - Compute": ("Compute", "Virtual Machines"),
    "EC2 - Other": ("Compute", "Other (Compute)"),
    "Amazon Elastic Container Registry (ECR)": ("Compute", "Containers"),
    "Amazon Simple Storage Service": ("Storage", "Object Storage"),
    "AWS Backup": ("Storage", "Backup Storage"),
    "Amazon DynamoDB": ("Databases", "NoSQL Databases"),
    "Amazon ElastiCache": ("Databases", "Caching"),
    "Amazon API Gateway": ("Networking", "Application Networking"),
    "Amazon CloudFront": ("Networking", "Content Delivery"),
    "Amazon Route 53": ("Networking", "Network Routing"),
    "Amazon Virtual Private Cloud": ("Networking", "Network Infrastructure"),
    "AWS Data Transfer": ("Networking", "Network Connectivity"),
    "Amazon Simple Queue Service": ("Integration", "Messaging"),
    "Amazon Simple Notification Service": ("Integration", "Messaging"),
    "Amazon EventBridge": ("Integration", "Messaging"),
    "AWS Step Functions": ("Integration", "Workflow Orchestration"),
    "Amazon Kinesis": ("Analytics", "Streaming Analytics"),
    "AmazonCloudWatch": ("Management and Governance", "Observability"),
    "AWS X-Ray": ("Management and Governance", "Observability"),
    "AWS CloudTrail": ("Management and Governance", "Compliance"),
    "Amazon Cognito": ("Identity", "Identity and Access Management"),
    "AWS Key Management Service": ("Security", "Secret Management"),
    "AWS Secrets Manager": ("Security", "Secret Management"),
    "AWS WAF": ("Networking", "Network Security"),
}

AZURE_SERVICES: dict[str, tuple[str, str]] = {
    "Functions": ("Compute", "Serverless Compute"),
    "Azure App Service": ("Web", "Other (Web)"),
    "Container Registry": ("Compute", "Containers"),
    "Storage": ("Storage", "Object Storage"),
    "Backup": ("Storage", "Backup Storage"),
    "SQL Database": ("Databases", "Relational Databases"),
    "Azure Cache for Redis": ("Databases", "Caching"),
    "Azure Cosmos DB": ("Databases", "NoSQL Databases"),
    "Bandwidth": ("Networking", "Network Connectivity"),
    "Azure Front Door Service": ("Networking", "Content Delivery"),
    "Azure DNS": ("Networking", "Network Routing"),
    "Virtual Network": ("Networking", "Network Infrastructure"),
    "Load Balancer": ("Networking", "Application Networking"),
    "Service Bus": ("Integration", "Messaging"),
    "Event Grid": ("Integration", "Messaging"),
    "API Management": ("Integration", "API Management"),
    "Logic Apps": ("Integration", "Workflow Orchestration"),
    "Azure Monitor": ("Management and Governance", "Observability"),
    "Log Analytics": ("Management and Governance", "Observability"),
    "Application Insights": ("Management and Governance", "Observability"),
    "Key Vault": ("Security", "Secret Management"),
    "Microsoft Defender for Cloud": ("Security", "Threat Detection and Response"),
    "Microsoft Entra ID": ("Identity", "Identity and Access Management"),
}

TAX_SERVICES = {"Tax"}

REGION_NAMES: dict[str, str] = {
    "us-east-1": "US East (N. Virginia)",
    "us-east-2": "US East (Ohio)",
    "us-west-1": "US West (N. California)",
    "us-west-2": "US West (Oregon)",
    "eu-west-1": "Europe (Ireland)",
    "eu-central-1": "Europe (Frankfurt)",
    "eastus": "East US",
    "eastus2": "East US 2",
    "westus": "West US",
    "westus2": "West US 2",
    "westeurope": "West Europe",
    "northeurope": "North Europe",
}

_NO_REGION = {"", "global", "noregion", "unassigned", "unknown", "all regions"}


# FOCUS 1.2: ServiceSubcategory MUST NOT be null and MUST have one parent ServiceCategory; a service we do
# not know (and a tax line, which is no service) is ("Other", "Other (Other)").
UNKNOWN_SERVICE = ("Other", "Other (Other)")


def service_category(cloud: str, service: str) -> tuple[str, str]:
    """(ServiceCategory, ServiceSubcategory) for a provider's service name."""
    table = AWS_SERVICES if cloud == "aws" else AZURE_SERVICES
    return table.get(service, UNKNOWN_SERVICE)


@lru_cache(maxsize=4096)  # every row of a year's data names one of a few dozen regions
def normalize_region(raw: str | None) -> str | None:
    """A region id in the provider's canonical form ('US East' -> 'eastus'); None for global charges."""
    if raw is None:
        return None
    text = raw.strip()
    if text.lower() in _NO_REGION:
        return None
    if "-" in text:  # AWS ids are already canonical
        return text.lower()
    words = text.lower().split()
    if len(words) == 2 and words[0] in ("us", "eu"):  # Azure's "US East" display form
        words = [words[1], words[0]]
    return "".join(words)


def region_name(region_id: str | None) -> str | None:
    """Display name of a region id (the id itself when unknown)."""
    if region_id is None:
        return None
    return REGION_NAMES.get(region_id, region_id)
