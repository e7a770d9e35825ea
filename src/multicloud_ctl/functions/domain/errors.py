"""The domain's exception tree; the HTTP layer maps each class to one status code.

DomainError
├── Invalid        400  the request is malformed (message is safe to show)
├── Unauthorized   401  no/invalid credentials (message never shown: no detail leak)
├── Forbidden      403
├── NotFound       404
├── Conflict       409  a state transition or idempotency clash
│   └── OutOfStock 409  not enough stock to reserve
├── UnsupportedMediaType 415  a body declared as something other than JSON on a JSON route
└── Unavailable    503  a dependency is down
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every expected failure of a service function."""

    status = 500


class Invalid(DomainError):
    status = 400


class Unauthorized(DomainError):
    status = 401


class Forbidden(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


class OutOfStock(Conflict):
    """Not enough stock: carries the product id so callers can tell the user which line failed."""

    def __init__(self, product_id: str, requested: int) -> None:
        super().__init__(f"not enough stock for product {product_id} (requested {requested})")
        self.product_id = product_id
        self.requested = requested


class UnsupportedMediaType(DomainError):
    status = 415


class Unavailable(DomainError):
    status = 503
