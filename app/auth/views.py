"""Sign-in, sign-out, registration, email confirmation and password reset."""

from flask import abort, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from app.accounts.models import ReferrerStatus, User
from app.accounts.operations import (
    confirm_email,
    email_existing_account,
    end_every_session,
    find_user,
    normalise_email,
    register_referrer,
    set_password,
)
from app.accounts.passwords import UNKNOWN_USER_HASH, verify_password
from app.accounts.throttle import clear_failures, record_failure, seconds_to_wait, wait_in_words
from app.accounts.tokens import confirm_token, reset_token, user_for_confirm_token, user_for_reset_token
from app.auth import auth
from app.auth.forms import ForgotPasswordForm, RegisterForm, ResetPasswordForm, SignInForm
from app.auth.redirects import safe_next
from app.confirmations import flash_confirmation
from app.extensions import db, limiter
from app.form_errors import render_form_page
from app.mail import send_email
from app.shortlist.store import clear_notes
from app.timeutil import utcnow


def home_for(user: User) -> str:
    if user.is_admin:
        return url_for("admin.dashboard")
    if user.is_referrer:
        return url_for("referrer.search")
    if user.organisations:
        return url_for("manage.dashboard")
    return url_for("public.home")


@auth.route("/sign-in", methods=["GET", "POST"])
@limiter.limit("10 per minute; 40 per hour", methods=["POST"])
def sign_in() -> tuple[str, int] | Response:
    form = SignInForm()
    if form.validate_on_submit():
        email, address = (form.email.data or "").strip().lower(), get_remote_address()
        if wait := seconds_to_wait(email, address):
            form.password.errors.append(
                f"Too many wrong passwords for this account from here. Wait {wait_in_words(wait)} and try again, "
                "or reset your password.")
            return render_form_page("auth/sign_in.html", [form], form=form)[0], 429
        user = find_user(email)
        # Check a password even for an unknown address, so the time taken does not tell who has an account.
        if not verify_password(user.password_hash if user else UNKNOWN_USER_HASH, form.password.data or "") \
                or user is None:
            record_failure(email, address)
            db.session.commit()
            form.password.errors.append("The email address or password is not right")
        elif not user.is_active:
            form.email.errors.append("This account has been closed. Contact the directory team.")
        elif user.email_verified_at is None:
            form.email.errors.append("Confirm your email address first: use the link we emailed you")
        else:
            clear_failures(email, address)
            login_user(user)
            user.last_login_at = utcnow()
            db.session.commit()
            return redirect(safe_next(request.args.get("next"), home_for(user)))
    return render_form_page("auth/sign_in.html", [form], form=form)


@auth.post("/sign-out")
def sign_out() -> Response:
    """Ends every session of this account, not only this browser's: a cookie copied from a shared computer
    in a surgery or library opens nothing afterwards."""
    if current_user.is_authenticated:
        end_every_session(current_user)
        db.session.commit()
    logout_user()
    clear_notes()  # a referrer's notes must not stay on a shared computer
    flash_confirmation("You have signed out")
    return redirect(url_for("public.home"))


@auth.route("/professionals/register", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def register() -> str | tuple[str, int] | Response:
    """The answer is the same whether or not the address has an account; only its owner's inbox learns
    which, so nobody can use this form to find out who is registered."""
    form = RegisterForm()
    if form.validate_on_submit():
        address = normalise_email(form.email.data or "")
        if (existing := find_user(address)) is not None:
            email_existing_account(existing, form.password.data or "")
        else:
            user = register_referrer(address, form.password.data or "", form.name.data or "")
            db.session.commit()
            link = url_for("auth.confirm", token=confirm_token(user), _external=True)
            send_email(user.email, "Confirm your email address for Well Aware",
                       f"Hello {user.name},\n\nConfirm your email address by opening this link:\n\n{link}\n\n"
                       "If you did not ask for a Well Aware account, you can ignore this email.\n")
        return render_template("auth/check_email.html", email=address)
    return render_form_page("auth/register.html", [form], form=form)


@auth.get("/professionals/confirm/<token>")
def confirm(token: str) -> str:
    user = user_for_confirm_token(token)
    if user is None:
        abort(404)
    confirm_email(user)
    db.session.commit()
    return render_template("auth/confirmed.html", approved=user.referrer_status == ReferrerStatus.APPROVED)


@auth.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5 per hour", methods=["POST"])
def forgot_password() -> str | tuple[str, int] | Response:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = find_user(form.email.data or "")
        if user is not None and user.is_active:
            link = url_for("auth.reset_password", token=reset_token(user), _external=True)
            send_email(user.email, "Reset your Well Aware password",
                       f"Open this link to choose a new password. It works once, within a few hours:\n\n{link}\n\n"
                       "If you did not ask to reset your password, you can ignore this email.\n")
        # The same answer either way, so nobody can learn who has an account.
        return render_template("auth/check_email.html", email=form.email.data, reset=True)
    return render_form_page("auth/forgot_password.html", [form], form=form)


@auth.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def reset_password(token: str) -> tuple[str, int] | Response:
    user = user_for_reset_token(token)
    if user is None:
        return render_template("auth/reset_expired.html"), 404
    form = ResetPasswordForm()
    form.account_email = user.email
    if form.validate_on_submit():
        set_password(user, form.password.data or "")  # also ends every session the account had
        if user.email_verified_at is None:
            confirm_email(user)  # the link proves they read mail sent to this address
        db.session.commit()
        logout_user()
        flash_confirmation("Your password has been changed",
                           "You have been signed out on all devices. Sign in with your new password.")
        return redirect(url_for("auth.sign_in"))
    return render_form_page("auth/reset_password.html", [form], form=form)


@auth.get("/account")
@login_required
def account() -> str:
    return render_template("auth/account.html", user=current_user)
