"""Map botocore exceptions to the mcctl error tree, keeping the AWS request id."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from multicloud_ctl.errors import (
    AuthError,
    DryRunViolation,
    EndpointUnreachable,
    McctlError,
    NotFound,
    OutcomeUnknown,
    ProviderError,
    Throttled,
)

NOT_FOUND = {
    "ResourceNotFoundException",
    "NoSuchBucket",
    "NoSuchKey",
    "NotFound",
    "404",
    "NoSuchEntity",
    "QueueDoesNotExist",
    "AWS.SimpleQueueService.NonExistentQueue",
    "UserNotFoundException",
    "TableNotFoundException",
    "NoSuchLifecycleConfiguration",
    "ServerSideEncryptionConfigurationNotFoundError",
    "NoSuchPublicAccessBlockConfiguration",
    "WAFNonexistentItemException",
    "NoSuchDistribution",
    "ReplicationGroupNotFoundFault",
    "CacheSubnetGroupNotFoundFault",
}
AUTH = {
    "UnrecognizedClientException",
    "AccessDenied",
    "AccessDeniedException",
    "InvalidClientTokenId",
    "ExpiredToken",
    "ExpiredTokenException",
    "SignatureDoesNotMatch",
    "InvalidAccessKeyId",
    "NotAuthorizedException",
    "UnauthorizedOperation",
    "AuthFailure",
}
THROTTLED = {
    "ThrottlingException",
    "Throttling",
    "ProvisionedThroughputExceededException",
    "SlowDown",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "LimitExceededException",
}


@contextmanager
def aws_errors(operation: str, resource: str = "") -> Iterator[None]:
    """Turn botocore failures inside the block into NotFound/AuthError/Throttled/ProviderError."""
    from botocore.exceptions import (
        ClientError,
        ConnectTimeoutError,
        EndpointConnectionError,
        NoCredentialsError,
        PartialCredentialsError,
        ReadTimeoutError,
    )

    what = f"{operation} {resource}".strip()
    try:
        yield
    except McctlError:
        raise
    except ClientError as exc:
        err = exc.response.get("Error", {})
        code = str(err.get("Code", ""))
        meta = exc.response.get("ResponseMetadata", {})
        request_id = meta.get("RequestId") or meta.get("HTTPHeaders", {}).get("x-amzn-requestid")
        status = meta.get("HTTPStatusCode")
        message = f"AWS {what}: {code}: {err.get('Message', '') or exc}"
        kwargs = {"provider": "aws", "operation": operation, "request_id": request_id, "status": status}
        if code in NOT_FOUND or (status == 404 and code not in AUTH):
            raise NotFound(message, **kwargs) from exc
        if code in AUTH or status == 403:
            raise AuthError(
                message, hint="check the AWS credentials and IAM permissions for this call", **kwargs
            ) from exc
        if code in THROTTLED or status == 429:
            raise Throttled(
                message, hint="still throttled after retries; retry later or lower concurrency", **kwargs
            ) from exc
        raise ProviderError(message, **kwargs) from exc
    except (NoCredentialsError, PartialCredentialsError) as exc:
        raise AuthError(
            f"AWS {what}: no AWS credentials found",
            provider="aws",
            operation=operation,
            hint="set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or aws.profile in the environment file",
        ) from exc
    except ReadTimeoutError as exc:
        raise OutcomeUnknown(
            f"AWS {what}: endpoint unreachable: {exc} (sent; it may have been applied)",
            provider="aws",
            operation=operation,
            hint="is the endpoint up? for the sandbox run `mcctl local up`",
        ) from exc
    except (EndpointConnectionError, ConnectTimeoutError) as exc:
        raise EndpointUnreachable(
            f"AWS {what}: endpoint unreachable: {exc}",
            provider="aws",
            operation=operation,
            hint="is the endpoint up? for the sandbox run `mcctl local up`",
        ) from exc
    except DryRunViolation:
        raise
