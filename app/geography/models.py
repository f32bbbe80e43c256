"""The ONS Postcode Directory as loaded by ``flask postcodes load``: live postcodes with a grid reference."""

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class Postcode(db.Model):
    __tablename__ = "postcode"

    postcode: Mapped[str] = mapped_column(String(8), primary_key=True)  # as the ONS writes it: "BA1 1AA"
    district: Mapped[str] = mapped_column(String(4), index=True)  # the outward code: "BA1"
    latitude: Mapped[float]
    longitude: Mapped[float]
    local_authority: Mapped[str] = mapped_column(String(9), default="")  # ONS code, E06000022 for B&NES
