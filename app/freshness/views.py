"""The "Still correct" link from a reminder email: confirm a listing without signing in.

Opening the link shows the listing's main details and one button; the button confirms. Confirming on the
open itself would let an email scanner that follows links confirm a listing nobody has read.
"""

from flask import Blueprint, render_template
from werkzeug.wrappers import Response

from app.admin.forms import EmptyForm
from app.directory.public_view import public_listing
from app.directory.revisions import confirm_still_correct
from app.extensions import db, limiter
from app.freshness.links import ConfirmationLink, LinkRefusal, RefusedLink, read_confirmation_token

freshness = Blueprint("freshness", __name__)


@freshness.after_request
def keep_private(response: Response) -> Response:
    """The page names a listing's editor's link: no cache or search engine keeps it."""
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"  # the token is in the address
    return response


# Answers for a link that does not work: the status, and what the page says.
REFUSALS = {
    LinkRefusal.ALTERED: (400, "This link is not complete",
                          "Part of the link is missing or has been changed. Copy the whole link from the email, "
                          "or sign in and confirm the listing on your dashboard."),
    LinkRefusal.EXPIRED: (410, "This link has expired",
                          "Links to confirm a listing work for a limited time. Sign in and confirm the listing "
                          "on your dashboard instead."),
    LinkRefusal.USED: (410, "This listing has already been confirmed",
                       "The link has been used, so it no longer works. Nothing more is needed."),
    LinkRefusal.WITHDRAWN: (410, "This link no longer works",
                            "The listing is no longer in the directory, or the link's address can no longer edit "
                            "it. Sign in to see your organisation's listings."),
}


def _refused(refused: RefusedLink) -> tuple[str, int]:
    status, title, explanation = REFUSALS[refused.reason]
    return render_template("freshness/confirm_link_refused.html", title=title, explanation=explanation,
                           refused=refused), status


@freshness.route("/listings/confirm/<token>", methods=["GET", "POST"])
@limiter.limit("30 per hour")
def confirm_link(token: str) -> str | tuple[str, int] | Response:
    link = read_confirmation_token(token)
    if isinstance(link, RefusedLink):
        return _refused(link)
    form = EmptyForm()
    if form.validate_on_submit():
        return _confirm(link)
    return render_template("freshness/confirm_link.html", listing=public_listing(link.service), form=form)


def _confirm(link: ConfirmationLink) -> str:
    confirm_still_correct(link.service)
    db.session.commit()
    return render_template("freshness/confirm_link_done.html", service=link.service)
