"""User profiles, keyed by the Cognito `sub` of the caller (never by a path parameter)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any, Protocol

from multicloud_ctl.functions.domain.clock import Env, iso
from multicloud_ctl.functions.domain.errors import Invalid

PHONE = re.compile(r"^\+[1-9][0-9]{6,14}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Identity:
    """Who is calling, from a validated token."""

    sub: str
    username: str = ""
    email: str = ""
    claims: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class UserProfile:
    user_id: str
    email: str = ""
    display_name: str = ""
    phone: str = ""
    address: str = ""
    marketing_opt_in: bool = False
    created_at: str = ""
    updated_at: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> UserProfile:
        return cls(
            user_id=str(raw["user_id"]),
            email=str(raw.get("email") or ""),
            display_name=str(raw.get("display_name") or ""),
            phone=str(raw.get("phone") or ""),
            address=str(raw.get("address") or ""),
            marketing_opt_in=bool(raw.get("marketing_opt_in")),
            created_at=str(raw.get("created_at") or ""),
            updated_at=str(raw.get("updated_at") or ""),
        )


class UserStore(Protocol):
    def get(self, user_id: str) -> UserProfile | None: ...
    def put(self, profile: UserProfile) -> None: ...


def validate_profile(body: Mapping[str, Any]) -> dict[str, Any]:
    """The writable profile fields of a request body; raises Invalid."""
    allowed = {"email", "display_name", "phone", "address", "marketing_opt_in"}
    unknown = set(body) - allowed
    if unknown:
        raise Invalid(f"unknown field(s): {', '.join(sorted(unknown))}")
    out: dict[str, Any] = {}
    for name in ("display_name", "address"):
        if name in body:
            if not isinstance(body[name], str) or len(body[name]) > 500:
                raise Invalid(f"{name}: a string of at most 500 characters")
            out[name] = body[name].strip()
    if "email" in body:
        if not isinstance(body["email"], str) or not EMAIL.match(body["email"]):
            raise Invalid("email: not an e-mail address")
        out["email"] = body["email"]
    if "phone" in body:
        if not isinstance(body["phone"], str) or not (body["phone"] == "" or PHONE.match(body["phone"])):
            raise Invalid("phone: E.164 format, e.g. +14155550100")
        out["phone"] = body["phone"]
    if "marketing_opt_in" in body:
        if not isinstance(body["marketing_opt_in"], bool):
            raise Invalid("marketing_opt_in: true or false")
        out["marketing_opt_in"] = body["marketing_opt_in"]
    return out


class UserService:
    def __init__(self, store: UserStore, env: Env) -> None:
        self.store, self.env = store, env

    def me(self, who: Identity) -> UserProfile:
        """The caller's profile; a first visit creates it from the token's claims."""
        found = self.store.get(who.sub)
        if found is not None:
            return found
        now = iso(self.env.now())
        profile = UserProfile(
            user_id=who.sub, email=who.email, display_name=who.username, created_at=now, updated_at=now
        )
        self.store.put(profile)
        return profile

    def update_me(self, who: Identity, body: Mapping[str, Any]) -> UserProfile:
        fields = validate_profile(body)
        profile = replace(self.me(who), updated_at=iso(self.env.now()), **fields)
        self.store.put(profile)
        return profile
