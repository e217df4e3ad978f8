"""``python -m infra.release COMMAND``: the release manager's tool (docs/firmware-updates.md).

Commands:
  keygen  [--out PATH]            new Ed25519 signing key (0600); prints the frames' public key
  pubkey  [--key PATH]            print the public key of a signing key, in the frames' format
  build   --version X.Y.Z --out DIR [--source DIR]
                                  reproducible bundle of device_firmware/shareframe_frame
  publish --version X.Y.Z --notes FILE.md --criticality C --channel stable|beta
          [--rollout-percent N] [--group G ...] [--bundle FILE] [--key PATH] [--no-notify]
          [--rollback]            build (or take --bundle), sign bundle and manifest, upload,
                                  register; --rollback signs a deliberate rollback (a version
                                  frames may install below the highest they confirmed)
  pause / resume --version X.Y.Z [--channel C]
  rollout --version X.Y.Z --percent N [--channel C]
  list    [--channel C]           the channel's releases, newest first (JSON)
  assign  --frame ID [--group G] [--channel C]
                                  put a frame in a rollout group ("" clears) or channel

The key defaults to $SHAREFRAME_RELEASE_KEY, else ~/.shareframe/release-signing.key. Commands
that talk to the backend use the environment's AWS (see ``python -m infra.localcloud env``).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from infra.release import bundle as bundles
from infra.release import signing
from infra.release.manifest import sign_manifest

CHANNELS = ("stable", "beta")
CRITICALITIES = ("critical", "important", "minor", "patch")


def _print(value: Any) -> None:
    print(json.dumps(value, indent=2))


def _key_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--key",
        type=Path,
        default=None,
        help="signing key (default $SHAREFRAME_RELEASE_KEY or ~/.shareframe/release-signing.key)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m infra.release",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    keygen = commands.add_parser("keygen", help="create a signing key")
    keygen.add_argument("--out", type=Path, default=None)
    keygen.add_argument("--force", action="store_true", help="replace an existing key")
    _key_arg(commands.add_parser("pubkey", help="print the frames' public key"))
    build = commands.add_parser("build", help="build a bundle")
    build.add_argument("--version", required=True)
    build.add_argument("--out", type=Path, required=True)
    build.add_argument("--source", type=Path, default=bundles.DEFAULT_SOURCE)
    publish = commands.add_parser("publish", help="build, sign, upload and register")
    publish.add_argument("--version", required=True)
    publish.add_argument("--notes", type=Path, required=True, help="release notes (Markdown)")
    publish.add_argument("--criticality", choices=CRITICALITIES, required=True)
    publish.add_argument("--channel", choices=CHANNELS, required=True)
    publish.add_argument(
        "--rollout-percent",
        type=int,
        default=None,
        help="share of the channel's frames (default 100, or 0 when --group is given)",
    )
    publish.add_argument("--group", action="append", default=[], help="rollout group (repeat)")
    publish.add_argument("--bundle", type=Path, default=None, help="a bundle built earlier")
    publish.add_argument("--source", type=Path, default=bundles.DEFAULT_SOURCE)
    publish.add_argument("--no-notify", action="store_true", help="do not republish to frames")
    publish.add_argument(
        "--rollback",
        action="store_true",
        help="sign a deliberate rollback: frames may install it below their highest version",
    )
    _key_arg(publish)
    for name in ("pause", "resume", "rollout"):
        sub = commands.add_parser(name, help=f"{name} a release")
        sub.add_argument("--version", required=True)
        sub.add_argument("--channel", choices=CHANNELS, default="stable")
        sub.add_argument("--no-notify", action="store_true")
        if name == "rollout":
            sub.add_argument("--percent", type=int, required=True)
    listing = commands.add_parser("list", help="list a channel's releases")
    listing.add_argument("--channel", choices=CHANNELS, default="stable")
    assign = commands.add_parser("assign", help="set a frame's rollout group or channel")
    assign.add_argument("--frame", required=True)
    assign.add_argument("--group", default=None)
    assign.add_argument("--channel", choices=CHANNELS, default=None)
    return parser


def _publish(args: argparse.Namespace) -> int:
    from infra.release import backend

    key_path = (args.key or signing.default_key_path()).expanduser()
    key = signing.load(key_path)
    percent = args.rollout_percent
    if percent is None:
        percent = 0 if args.group else 100
    if not 0 <= percent <= 100:
        raise SystemExit("--rollout-percent must be 0-100")
    notes = backend.read_notes(args.notes)
    print(f"publishing to {backend.target_description()}", file=sys.stderr)
    print(f"signing with {key_path} (public {signing.public_key_text(key)})", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="shareframe-release-") as tmp:
        if args.bundle is not None:
            bundle = bundles.inspect(args.bundle)
            if bundle.version != args.version:
                raise bundles.BundleError(
                    f"{args.bundle} is version {bundle.version}, not {args.version}"
                )
        else:
            bundle = bundles.build(args.version, Path(tmp), args.source)
        signature = signing.sign(key, bundle.path.read_bytes())
        manifest = sign_manifest(key, bundle, channel=args.channel, rollback=args.rollback)
        published = backend.publish(
            bundle,
            signature=signature,
            manifest=manifest,
            channel=args.channel,
            criticality=args.criticality,
            notes=notes,
            rollout_percent=percent,
            rollout_groups=list(args.group),
            notify=not args.no_notify,
        )
    _print(
        {
            "version": published.version,
            "channel": published.channel,
            "bundleKey": published.bundle_key,
            "sha256": published.sha256,
            "bytes": published.size,
            "signature": published.signature,
            "manifest": published.manifest.text,
            "manifestSignature": published.manifest.signature,
            "publicKey": signing.public_key_text(key),
            "rolloutPercent": published.rollout_percent,
            "rolloutGroups": list(published.rollout_groups),
            "framesNotified": published.notified,
        }
    )
    return 0


def run(args: argparse.Namespace) -> int:
    if args.command == "keygen":
        path = (args.out or signing.default_key_path()).expanduser()
        key = signing.generate(path, overwrite=args.force)
        print(f"wrote {path} (keep it secret; back it up offline)", file=sys.stderr)
        print(signing.public_key_text(key))
        return 0
    if args.command == "pubkey":
        print(signing.public_key_text(signing.load(args.key or signing.default_key_path())))
        return 0
    if args.command == "build":
        built = bundles.build(args.version, args.out, args.source)
        _print(
            {
                "path": str(built.path),
                "version": built.version,
                "sha256": built.sha256,
                "bytes": built.size,
            }
        )
        return 0
    if args.command == "publish":
        return _publish(args)

    from infra.release import backend

    if args.command in ("pause", "resume", "rollout"):
        told = backend.set_rollout(
            args.channel,
            args.version,
            paused={"pause": True, "resume": False}.get(args.command),
            percent=args.percent if args.command == "rollout" else None,
            notify=not args.no_notify,
        )
        _print({"version": args.version, "channel": args.channel, "framesNotified": told})
        return 0
    if args.command == "list":
        _print(backend.listing(args.channel))
        return 0
    if args.command == "assign":
        backend.assign(args.frame, group=args.group, channel=args.channel)
        _print({"frameId": args.frame, "group": args.group, "channel": args.channel})
        return 0
    raise SystemExit(f"unknown command {args.command}")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return run(args)
    except (signing.SigningKeyError, bundles.BundleError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:
        # The backend's own errors (Conflict, NotFound, ValidationFailed) carry a clear message.
        if type(exc).__module__ == "chalicelib.domain.errors":
            print(f"error: {exc}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
