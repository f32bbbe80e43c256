"""Which listings and organisations the signed-in editor may touch. Anything else is a 404, so another
organisation's listings cannot even be confirmed to exist."""

from flask import abort
from flask_login import current_user

from app.directory.models import Organisation, Service
from app.extensions import db


def editable_organisation(organisation_id: int) -> Organisation:
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None or not (current_user.is_admin or current_user.edits(organisation.id)):
        abort(404)
    return organisation


def editable_service(service_id: int) -> Service:
    service = db.session.get(Service, service_id)
    if service is None or not (current_user.is_admin or current_user.edits(service.organisation_id)):
        abort(404)
    return service
