"""Command line of the local cloud: ``python -m infra.localcloud COMMAND``.

Commands:
  up [--frames N] [--moto-log] [--keep-data]
                      start everything (Ctrl-C stops it all) and print the URLs
  env                 print ``export`` lines to point boto3/scripts (and infra.release) at it
  mail                print the emails moto's SES has "sent"
  run-job NAME        run one @app.schedule function now
  provision           create the template's resources in a running moto
Internal (started by ``up``): broker, iot-data-adapter, event-runtime, spa, api (chalice local,
once the resources are provisioned).
"""

from __future__ import annotations

import argparse
import email
import email.policy
import json
import shlex
import sys
import urllib.request
from email.message import EmailMessage
from typing import Any

from infra.localcloud import logs
from infra.localcloud.settings import Settings


def sent_mail(moto_url: str) -> list[dict[str, Any]]:
    """The messages moto's SES (v1 or v2) has accepted, oldest first: to, subject, body.

    moto keeps one body per simple message (the HTML part when there is one).
    """
    with urllib.request.urlopen(f"{moto_url}/moto-api/data.json", timeout=10) as response:  # noqa: S310
        data = json.load(response)
    ses = data.get("ses", {})
    mails = []
    for message in ses.get("Message", []) + ses.get("TemplateMessage", []):
        destinations = message.get("destinations") or {}
        mails.append(
            {
                "id": message.get("id"),
                "from": message.get("source"),
                "to": destinations.get("ToAddresses", []),
                "subject": message.get("subject"),
                "body": message.get("body") or message.get("template_data"),
            }
        )
    for message in ses.get("RawMessage", []):
        parsed = email.message_from_string(message.get("raw_data", ""), policy=email.policy.default)
        part = parsed.get_body(("plain", "html")) if isinstance(parsed, EmailMessage) else None
        mails.append(
            {
                "id": message.get("id"),
                "from": message.get("source") or parsed.get("From"),
                "to": sorted(set(message.get("destinations") or [])),
                "subject": parsed.get("Subject"),
                "body": part.get_content()
                if isinstance(part, EmailMessage)
                else parsed.get_payload(),
            }
        )
    return mails


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra.localcloud",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    up_parser = commands.add_parser("up", help="start the local cloud")
    up_parser.add_argument("--frames", type=int, default=1, help="virtual frames to start")
    up_parser.add_argument("--moto-log", action="store_true", help="show moto's request log")
    up_parser.add_argument(
        "--keep-data",
        action="store_true",
        help="keep retained MQTT messages and frame state of the last run (moto starts empty)",
    )
    commands.add_parser("env", help="print export lines for the local cloud")
    mail_parser = commands.add_parser("mail", help="print mail sent through moto's SES")
    mail_parser.add_argument("--json", action="store_true")
    job = commands.add_parser("run-job", help="run one scheduled function now")
    job.add_argument("name")
    commands.add_parser("provision", help="create the template's resources in moto")
    for internal in ("broker", "iot-data-adapter", "event-runtime", "spa", "api"):
        commands.add_parser(internal)
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    logs.configure()

    if args.command == "up":
        from infra.localcloud.supervisor import up

        return up(settings, frames=args.frames, moto_log=args.moto_log, keep_data=args.keep_data)
    if args.command == "env":
        from infra.localcloud.frames import release_key_path

        exports = dict(settings.backend_env())
        # For `python -m infra.release` only: the local release key (the backend never sees it).
        exports["SHAREFRAME_RELEASE_KEY"] = str(release_key_path(settings))
        for key, value in sorted(exports.items()):
            print(f"export {key}={shlex.quote(value)}")
        return 0
    if args.command == "mail":
        mails = sent_mail(settings.moto_url)
        if args.json:
            print(json.dumps(mails, indent=2))
        for mail in [] if args.json else mails:
            print(f"To: {', '.join(mail['to'])}\nSubject: {mail['subject']}\n\n{mail['body']}\n")
            print("-" * 72)
        return 0
    if args.command == "api":
        from infra.localcloud.supervisor import run_api_when_provisioned

        return run_api_when_provisioned(settings)
    if args.command == "run-job":
        from infra.localcloud.event_runtime import run_job

        return 0 if run_job(settings, args.name) else 1

    from infra.localcloud.ca import ensure_ca

    ca = ensure_ca(settings.ca_dir)
    if args.command == "provision":
        from infra.localcloud.provision import provision

        provision(settings, ca)
        return 0
    if args.command == "broker":
        from infra.localcloud import mosquitto

        return mosquitto.run_broker(settings, ca, mosquitto.write_config(settings))
    if args.command == "iot-data-adapter":
        from infra.localcloud.iot_data_adapter import serve

        serve(settings)
        return 0
    if args.command == "event-runtime":
        from infra.localcloud.event_runtime import run

        run(settings, ca)
        return 0
    if args.command == "spa":
        from infra.localcloud.spa_server import serve as serve_spa

        serve_spa(settings)
        return 0
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
