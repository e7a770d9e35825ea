"""The exception tree of mcctl, and the exit code each one maps to.

    McctlError                      exit 1 unless a subclass says otherwise
    ├── UsageError                  2  bad arguments, unfilled verb
    ├── ConfigError                 2  malformed config or playbook (file:line field: message)
    │   └── SecretError             2  a secret reference that cannot be resolved, or a value pasted as one
    ├── OperationFailed             1  the operation ran and failed
    │   └── ProviderError           1  a cloud call failed (carries the provider's request id)
    │       ├── NotFound
    │       ├── AuthError           missing or rejected credentials
    │       ├── Throttled           still throttled after retries
    │       └── EndpointUnreachable connection refused / timed out after retries
    ├── Degraded                    3  drift, mismatch or degraded health found
    ├── SafetyRefused               4  a safety check refused the run
        ├── LockHeld
        ├── ConfirmationDeclined
        └── PreflightFailed
    └── Interrupted               130  stopped by Ctrl-C or SIGTERM (completed steps rolled back where defined)

Library code raises these; only the CLI turns them into a message and an exit code (no `sys.exit` elsewhere).
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """The documented exit codes of every mcctl command (ARCHITECTURE §4)."""

    OK = 0
    FAILED = 1
    USAGE = 2
    DEGRADED = 3
    REFUSED = 4
    INTERRUPTED = 130


EXIT_CODE_HELP = (
    "Exit codes: 0 ok; 1 operation failed; 2 usage or config error; "
    "3 degraded, drift or mismatch found; 4 refused by a safety check (preflight, lock held, not confirmed); "
    "130 interrupted."
)


class McctlError(Exception):
    """Base of every expected error: a one-line message, an optional hint, an exit code."""

    exit_code: ExitCode = ExitCode.FAILED

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class UsageError(McctlError):
    exit_code = ExitCode.USAGE


class ConfigError(McctlError):
    exit_code = ExitCode.USAGE


class SecretError(ConfigError):
    pass


class OperationFailed(McctlError):
    exit_code = ExitCode.FAILED


class ProviderError(OperationFailed):
    """A cloud call failed; `request_id` is the cloud's id for the failed request when it gave one."""

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        provider: str = "",
        operation: str = "",
        request_id: str | None = None,
        status: int | None = None,
    ) -> None:
        parts = [message]
        if request_id:
            parts.append(f"(request id {request_id})")
        super().__init__(" ".join(parts), hint=hint)
        self.provider = provider
        self.operation = operation
        self.request_id = request_id
        self.status = status


class NotFound(ProviderError):
    pass


class AuthError(ProviderError):
    pass


class Throttled(ProviderError):
    pass


class EndpointUnreachable(ProviderError):
    pass


class OutcomeUnknown(EndpointUnreachable):
    """The request was sent and no answer came in time (a read timeout): it may have been applied."""


class Degraded(McctlError):
    exit_code = ExitCode.DEGRADED


class SafetyRefused(McctlError):
    exit_code = ExitCode.REFUSED


class LockHeld(SafetyRefused):
    pass


class LeaseLost(SafetyRefused):
    """A run's environment lease expired or was broken mid-run: it stops before its next mutation."""


class ConfirmationDeclined(SafetyRefused):
    pass


class PreflightFailed(SafetyRefused):
    pass


class Interrupted(McctlError):
    """The run was stopped by a signal; the journal says what completed and what was rolled back."""

    exit_code = ExitCode.INTERRUPTED


class DryRunViolation(SafetyRefused):
    """Raised by the provider-level guard when code tries a mutating call during --dry-run."""
