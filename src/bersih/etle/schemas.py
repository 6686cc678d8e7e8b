"""The vendor-neutral camera event: one schema for the JSON API, the Hikvision adapter and file imports.

Each item of a batch is validated on its own (so one bad item never sinks the others): the API's
request body carries the items as plain objects and the ingestion service validates them with
:class:`EventIn`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from . import rules

ImageRole = Literal["scene", "plate", "cabin", "rider", "speed"]
VehicleClass = Literal["car", "motorcycle", "bus", "goods"]


class ImageRef(BaseModel):
    """A picture of the event: a part of the same multipart request, or a file already stored."""

    model_config = ConfigDict(extra="forbid")

    role: ImageRole
    part: str | None = Field(default=None, min_length=1, max_length=100)
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")

    @model_validator(mode="after")
    def _one_source(self):
        if (self.part is None) == (self.sha256 is None):
            raise ValueError("give either 'part' or 'sha256'")
        return self


class EventIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    event_id: str = Field(min_length=1, max_length=100)
    captured_at: AwareDatetime
    plate: str = Field(default="", max_length=20)  # as read; empty when unreadable
    confidence: int | None = Field(default=None, ge=0, le=100)
    violation: str = Field(min_length=1, max_length=30)
    speed_kmh: int | None = Field(default=None, ge=0, le=400)
    speed_limit_kmh: int | None = Field(default=None, ge=1, le=200)
    lane: int | None = Field(default=None, ge=1, le=20)
    vehicle_class: VehicleClass | None = None
    vehicle_colour: str = Field(default="", max_length=40)
    images: list[ImageRef] = Field(default_factory=list, max_length=rules.MAX_IMAGES_PER_EVENT)
