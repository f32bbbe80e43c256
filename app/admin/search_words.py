"""Administrators edit the words search understands: synonym groups, crisis phrases, place names and
filler phrases. A save takes effect on every worker within seconds, with no restart or reindex, and is kept
in the audit log with who and when. The shipped lists (``data/search/``) stay the defaults."""

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import TextAreaField

from app.accounts.roles import admin_required
from app.admin import admin
from app.admin.forms import EmptyForm
from app.confirmations import flash_confirmation
from app.extensions import db
from app.form_errors import render_form_page
from app.forms import WebForm
from app.vocabulary.models import SearchVocabulary
from app.vocabulary.operations import save_vocabulary
from app.vocabulary.store import current_vocabulary, saved_texts, take_effect_now
from search.health import SearchUnavailable, ready_index
from search.understanding import Understanding, understand
from search.vocabulary import KIND_TITLES, VocabularyKind

MAX_TRY_LENGTH = 200
HELP = {
    VocabularyKind.SYNONYMS: "What people type, and the words listings use for the same thing.",
    VocabularyKind.CRISIS: "Words of someone who may be at risk. They bring the urgent-help numbers first.",
    VocabularyKind.PLACES: "Towns, villages and districts, and the area each one searches.",
    VocabularyKind.FILLERS: "Words around what people need that say nothing about which listing fits.",
}


class VocabularyForm(WebForm):
    text = TextAreaField("The list, one entry a line")


def _kind(name: str) -> VocabularyKind:
    try:
        return VocabularyKind(name)
    except ValueError:
        abort(404)


def _tried(words: str) -> Understanding | None:
    if not words:
        return None
    vocabulary = current_vocabulary()
    try:
        lexicon = ready_index().searcher_cache().lexicon(vocabulary)
    except SearchUnavailable:
        return None
    return understand(words, vocabulary, lexicon)


@admin.get("/search-words")
@admin_required
def search_words() -> str:
    saved = {row.kind: row for row in db.session.scalars(select(SearchVocabulary))}
    words = " ".join(request.args.get("q", "").split())[:MAX_TRY_LENGTH]
    return render_template("admin/search_words.html", kinds=list(VocabularyKind), titles=KIND_TITLES, help=HELP,
                           saved=saved, words=words, tried=_tried(words))


@admin.route("/search-words/<kind>", methods=["GET", "POST"])
@admin_required
def edit_search_words(kind: str) -> tuple[str, int] | Response:
    chosen = _kind(kind)
    form = VocabularyForm()
    if request.method == "GET":
        form.text.data = saved_texts(db.session)[chosen]
    elif form.validate_on_submit():
        errors = save_vocabulary(db.session, chosen, form.text.data or "", current_user)
        if not errors:
            db.session.commit()
            take_effect_now()
            flash_confirmation(f"Saved: {KIND_TITLES[chosen]}", "Searches use them within a few seconds.")
            return redirect(url_for("admin.search_words"))
        db.session.rollback()
        form.text.errors = [str(error) for error in errors]
    row = db.session.get(SearchVocabulary, chosen.value)
    return render_form_page("admin/search_words_edit.html", [form], form=form, kind=chosen, title=KIND_TITLES[chosen],
                            help=HELP[chosen], row=row, restore_form=EmptyForm())


@admin.post("/search-words/<kind>/restore")
@admin_required
def restore_search_words(kind: str) -> Response:
    chosen = _kind(kind)
    if not EmptyForm().validate_on_submit():
        abort(400)
    save_vocabulary(db.session, chosen, None, current_user)
    db.session.commit()
    take_effect_now()
    flash_confirmation(f"The shipped list is back in use: {KIND_TITLES[chosen]}")
    return redirect(url_for("admin.search_words"))
