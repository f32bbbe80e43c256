"""Identifiers in ORUK documents. Listings and organisations keep a stored UUID; the parts of a listing
(schedules, locations, prices…) get UUIDs derived from it, so the same data always gets the same ids."""

import uuid

NAMESPACE = uuid.UUID("9f5c1c8e-3f0a-4d5e-9a53-0c8e6f0b7a21")


def derived_id(*parts: object) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(str(part) for part in parts)))


def taxonomy_id(taxonomy_name: str) -> str:
    return derived_id("taxonomy", taxonomy_name)


def term_id(taxonomy_name: str, slug: str) -> str:
    return derived_id("taxonomy", taxonomy_name, slug)
