"""E-mail through SES. Plain text: it is read on every kind of device and never looks like spam."""

from __future__ import annotations

from chalicelib.adapters import aws
from chalicelib.config import settings


def send(to: str, subject: str, body: str) -> None:
    aws.client("ses").send_email(
        Source=settings().mail_from,
        Destination={"ToAddresses": [to]},
        Message={
            "Subject": {"Data": subject, "Charset": "UTF-8"},
            "Body": {"Text": {"Data": body, "Charset": "UTF-8"}},
        },
    )
