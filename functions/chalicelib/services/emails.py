"""The e-mails Shareframe sends: plain, short, and pointing at the web app's routes."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from chalicelib.adapters import mailer
from chalicelib.config import settings
from chalicelib.domain.timefmt import utcnow


def _link(path: str, token: str) -> str:
    return f"{settings().web_url}{path}?token={quote(token)}"


def verification(to: str, name: str, token: str) -> None:
    mailer.send(
        to,
        "Confirm your e-mail address for Shareframe",
        f"Hello {name},\n\nPlease confirm your e-mail address by opening this link:\n\n"
        f"{_link('/verify', token)}\n\nThe link works for 48 hours. If you did not ask for this, "
        "you can ignore this message.\n\nShareframe\n",
    )


def account_confirmation(to: str, name: str, token: str, *, deadline: datetime) -> None:
    """A new account's confirmation link: it works until the account would be removed."""
    hours = round((deadline - utcnow()).total_seconds() / 3600)
    when = f"{deadline:%-d %B %Y, %H:%M} UTC"
    until = f"for {hours} hours, until {when}" if hours >= 2 else f"until {when}"
    mailer.send(
        to,
        "Confirm your e-mail address for Shareframe",
        f"Hello {name},\n\nPlease confirm your e-mail address by opening this link:\n\n"
        f"{_link('/verify', token)}\n\nThe link works {until}. An account that is not "
        "confirmed by then is removed; you can sign up again afterwards. If you did not ask "
        "for this, ignore this message.\n\nShareframe\n",
    )


def password_reset(to: str, name: str, token: str) -> None:
    mailer.send(
        to,
        "Reset your Shareframe password",
        f"Hello {name},\n\nSomeone (hopefully you) asked to reset your Shareframe password. "
        f"Open this link to choose a new one:\n\n{_link('/reset', token)}\n\nThe link works once "
        "and for one hour. If you did not ask for this, ignore this message: your password "
        "stays as it is.\n\nShareframe\n",
    )


def password_changed(to: str, name: str) -> None:
    mailer.send(
        to,
        "Your Shareframe password was changed",
        f"Hello {name},\n\nThe password of your Shareframe account was just changed and every "
        "other session was signed out. If this was not you, reset your password at once:\n\n"
        f"{settings().web_url}/forgot-password\n\nShareframe\n",
    )


def email_changed(old_address: str, name: str, new_address: str) -> None:
    mailer.send(
        old_address,
        "Your Shareframe e-mail address was changed",
        f"Hello {name},\n\nYour Shareframe account now uses the address {new_address}. "
        "If this was not you, reply to this message at once.\n\nShareframe\n",
    )


def signup_attempt(to: str, name: str) -> None:
    mailer.send(
        to,
        "Someone tried to sign up for Shareframe with your address",
        f"Hello {name},\n\nSomeone just tried to create a Shareframe account with this e-mail "
        "address, which already has one. If it was you, log in instead; if you forgot your "
        f"password, reset it here:\n\n{settings().web_url}/forgot-password\n\nIf it was not you, "
        "there is nothing to do: no account was created and yours is unchanged. We tell you at "
        "most once a day.\n\nShareframe\n",
    )


def email_change_requested(to: str, name: str, new_address: str, token: str) -> None:
    """To the current address: the one-click way out if someone else asked for the change."""
    mailer.send(
        to,
        "Your Shareframe account is about to move to another address",
        f"Hello {name},\n\nSomeone signed in to your Shareframe account asked to move it to "
        f"the address {new_address}. It moves once that address is confirmed.\n\nIf this "
        "wasn't you, open this link and press the button: it cancels the change and signs "
        f"out every session at once.\n\n{_link('/email-change/cancel', token)}\n\nThen "
        "choose a new password. If it was you, there is nothing to do.\n\nShareframe\n",
    )


def new_sign_in(to: str, name: str, browser: str) -> None:
    mailer.send(
        to,
        "New sign-in to Shareframe",
        f"Hello {name},\n\nYour account was just used to sign in from a browser we had not "
        f"seen before:\n\n  {browser}\n\nIf this was you, there is nothing to do. If not, "
        f"reset your password at once: {settings().web_url}/forgot-password\n\nShareframe\n",
    )


def export_ready(to: str, name: str, url: str) -> None:
    mailer.send(
        to,
        "Your Shareframe data export is ready",
        f"Hello {name},\n\nThe export of your Shareframe data (your photos and a JSON file "
        f"with everything we keep about you) is ready. Download it within 24 hours:\n\n{url}"
        "\n\nShareframe\n",
    )
