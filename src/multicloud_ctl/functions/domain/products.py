"""Product catalog: validation, CRUD, listing by category with an opaque cursor, cached reads, image URLs."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any, Protocol

from multicloud_ctl.functions.domain.clock import Env, iso
from multicloud_ctl.functions.domain.errors import Invalid, NotFound

CATEGORY = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
MAX_PAGE = 100


@dataclass(frozen=True)
class Product:
    product_id: str
    name: str
    category: str
    price_cents: int
    currency: str = "usd"
    description: str = ""
    image_key: str = ""
    created_at: str = ""
    updated_at: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Product:
        return cls(
            product_id=str(raw["product_id"]),
            name=str(raw["name"]),
            category=str(raw["category"]),
            price_cents=int(raw["price_cents"]),
            currency=str(raw.get("currency") or "usd"),
            description=str(raw.get("description") or ""),
            image_key=str(raw.get("image_key") or ""),
            created_at=str(raw.get("created_at") or ""),
            updated_at=str(raw.get("updated_at") or ""),
        )


@dataclass(frozen=True)
class Page:
    items: list[Product]
    cursor: str | None


class ProductStore(Protocol):
    def get(self, product_id: str) -> Product | None: ...
    def put(self, product: Product) -> None: ...
    def delete(self, product_id: str) -> bool: ...
    def list(self, category: str | None, limit: int, cursor: str | None) -> Page: ...


class Cache(Protocol):
    def get(self, key: str) -> str | None: ...
    def set(self, key: str, value: str, ttl: int) -> None: ...
    def delete(self, key: str) -> None: ...


class ImageUrls(Protocol):
    def upload_url(self, key: str, content_type: str) -> str: ...
    def download_url(self, key: str) -> str: ...


def validate_fields(body: Mapping[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """The writable fields of a product from a request body; raises Invalid with a safe message."""
    out: dict[str, Any] = {}
    allowed = {"name", "category", "price_cents", "currency", "description"}
    unknown = set(body) - allowed - {"product_id"}
    if unknown:
        raise Invalid(f"unknown field(s): {', '.join(sorted(unknown))}")
    for name in ("name", "category", "price_cents"):
        if name not in body and not partial:
            raise Invalid(f"missing field: {name}")
    if "name" in body:
        if not isinstance(body["name"], str) or not 0 < len(body["name"].strip()) <= 200:
            raise Invalid("name: must be a non-empty string of at most 200 characters")
        out["name"] = body["name"].strip()
    if "category" in body:
        if not isinstance(body["category"], str) or not CATEGORY.match(body["category"]):
            raise Invalid("category: lower-case letters, digits and dashes, at most 64")
        out["category"] = body["category"]
    if "price_cents" in body:
        price = body["price_cents"]
        if isinstance(price, bool) or not isinstance(price, int) or price < 0:
            raise Invalid("price_cents: must be a non-negative integer")
        out["price_cents"] = price
    if "currency" in body:
        if not isinstance(body["currency"], str) or not re.match(r"^[a-z]{3}$", body["currency"]):
            raise Invalid("currency: a three-letter lower-case ISO code")
        out["currency"] = body["currency"]
    if "description" in body:
        if not isinstance(body["description"], str) or len(body["description"]) > 4000:
            raise Invalid("description: a string of at most 4000 characters")
        out["description"] = body["description"]
    return out


class ProductService:
    """Catalog operations; hot reads go through the cache, writes invalidate it."""

    def __init__(
        self,
        store: ProductStore,
        cache: Cache,
        env: Env,
        *,
        images: ImageUrls | None = None,
        cache_ttl: int = 30,
        currency: str = "usd",
    ) -> None:
        self.store, self.cache, self.env, self.images, self.cache_ttl = store, cache, env, images, cache_ttl
        self.currency = currency

    def create(self, body: Mapping[str, Any]) -> Product:
        fields = {"currency": self.currency, **validate_fields(body)}
        now = iso(self.env.now())
        product = Product(product_id=self.env.ids(), created_at=now, updated_at=now, **fields)
        self.store.put(product)
        return product

    def get(self, product_id: str) -> Product:
        cached = self.cache.get(f"product:{product_id}")
        if cached is not None:
            return Product.from_dict(json.loads(cached))
        product = self.store.get(product_id)
        if product is None:
            raise NotFound(f"product {product_id} not found")
        self.cache.set(f"product:{product_id}", json.dumps(product.to_dict()), self.cache_ttl)
        return product

    def update(self, product_id: str, body: Mapping[str, Any]) -> Product:
        current = self.store.get(product_id)
        if current is None:
            raise NotFound(f"product {product_id} not found")
        fields = validate_fields(body, partial=True)
        product = replace(current, updated_at=iso(self.env.now()), **fields)
        self.store.put(product)
        self.cache.delete(f"product:{product_id}")
        return product

    def delete(self, product_id: str) -> None:
        if not self.store.delete(product_id):
            raise NotFound(f"product {product_id} not found")
        self.cache.delete(f"product:{product_id}")

    def list(self, category: str | None, limit: int = 20, cursor: str | None = None) -> Page:
        if category is not None and not CATEGORY.match(category):
            raise Invalid("category: lower-case letters, digits and dashes, at most 64")
        if not 1 <= limit <= MAX_PAGE:
            raise Invalid(f"limit: between 1 and {MAX_PAGE}")
        return self.store.list(category, limit, cursor)

    def image_upload_url(self, product_id: str, content_type: str = "image/jpeg") -> dict[str, str]:
        """A presigned PUT URL for the product's image; records the image key on the product."""
        if self.images is None:
            raise NotFound("images are not configured")
        if not re.match(r"^image/[a-z0-9.+-]+$", content_type):
            raise Invalid("content_type: must be an image/* type")
        product = self.store.get(product_id)  # not the cache: we write this record back
        if product is None:
            raise NotFound(f"product {product_id} not found")
        key = f"products/{product_id}/image"
        if product.image_key != key:
            self.store.put(replace(product, image_key=key, updated_at=iso(self.env.now())))
            self.cache.delete(f"product:{product_id}")
        return {
            "url": self.images.upload_url(key, content_type),
            "key": key,
            "method": "PUT",
            "content_type": content_type,
        }

    def image_download_url(self, product_id: str) -> dict[str, str]:
        if self.images is None:
            raise NotFound("images are not configured")
        product = self.get(product_id)
        if not product.image_key:
            raise NotFound(f"product {product_id} has no image")
        return {"url": self.images.download_url(product.image_key), "key": product.image_key}
