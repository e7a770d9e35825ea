"""Shared base for spec models."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Spec(BaseModel):
    """Unknown keys are errors; specs are immutable once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True)
