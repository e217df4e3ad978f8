"""The IoT registry: one thing per frame, its certificate, and the frame policy."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass

from chalicelib.adapters import aws
from chalicelib.config import settings


@dataclass(frozen=True)
class RegisteredCertificate:
    certificate_id: str
    certificate_arn: str


def policy_name() -> str:
    return f"{settings().prefix}-frame"


def register_frame(frame_id: str, certificate_pem: str, ca_pem: str) -> RegisteredCertificate:
    """Create the thing, register its certificate (signed by our registered CA) and attach both."""
    iot = aws.client("iot")
    iot.create_thing(thingName=frame_id)
    cert = iot.register_certificate(
        certificatePem=certificate_pem, caCertificatePem=ca_pem, status="ACTIVE"
    )
    iot.attach_policy(policyName=policy_name(), target=cert["certificateArn"])
    iot.attach_thing_principal(thingName=frame_id, principal=cert["certificateArn"])
    return RegisteredCertificate(cert["certificateId"], cert["certificateArn"])


def revoke_frame(frame_id: str, certificate_id: str) -> None:
    """Deactivate, detach and delete the certificate, then delete the thing. Safe to repeat."""
    iot = aws.client("iot")
    not_found = iot.exceptions.ResourceNotFoundException
    try:
        arn = iot.describe_certificate(certificateId=certificate_id)["certificateDescription"][
            "certificateArn"
        ]
    except not_found:
        arn = None
    if arn:
        iot.update_certificate(certificateId=certificate_id, newStatus="INACTIVE")
        with suppress(not_found):
            iot.detach_policy(policyName=policy_name(), target=arn)
        with suppress(not_found):
            iot.detach_thing_principal(thingName=frame_id, principal=arn)
        iot.delete_certificate(certificateId=certificate_id, forceDelete=True)
    with suppress(not_found):
        iot.delete_thing(thingName=frame_id)
