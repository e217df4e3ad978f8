"""python -m infra.deploy {wheelhouse,policies,package,deploy,destroy} — see docs/deploy.md."""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

from infra.deploy.stages import DEFAULT_REGION, Stage
from infra.deploy.wheelhouse import ARCHITECTURES, DEFAULT_ARCH


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.deploy", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    whl = sub.add_parser("wheelhouse", help="download Lambda wheels into build/wheelhouse/<arch>")
    sub.add_parser("policies", help="rewrite the IAM policy files in functions/.chalice/")
    pkg = sub.add_parser("package", help="build the template and zip offline")
    dep = sub.add_parser("deploy", help="package, then create or update the stack")
    des = sub.add_parser("destroy", help="delete the stack (tables and media bucket stay)")
    for command in (pkg, dep, des):
        command.add_argument("--stage", default="dev")
    for command in (dep, des):
        command.add_argument(
            "--region",
            default=os.environ.get("AWS_REGION")
            or os.environ.get("AWS_DEFAULT_REGION")
            or DEFAULT_REGION,
        )
    pkg.add_argument("--out", type=Path, help="output directory (default build/<stage>)")
    pkg.add_argument("--no-lint", action="store_true", help="skip cfn-lint")
    for command in (pkg, whl):
        command.add_argument(
            "--arch",
            choices=sorted(ARCHITECTURES),
            default=DEFAULT_ARCH,
            help="Lambda architecture (x86_64: what this machine can run, for tests)",
        )
    dep.add_argument("--out", type=Path)
    dep.add_argument("--skip-web-build", action="store_true", help="upload web/dist as it is")
    dep.add_argument("--alarm-email", help="subscribe this address to the alarm topic")
    des.add_argument(
        "--purge",
        action="store_true",
        help="also delete the retained tables, media bucket, secrets and every paired frame",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    from infra.deploy import commands
    from infra.deploy.layers import layers_of
    from infra.deploy.stages import BUILD_DIR

    if args.command == "wheelhouse":
        from infra.deploy.wheelhouse import ensure_wheelhouse

        print(ensure_wheelhouse(arch=args.arch, refresh=True))
        return 0
    if args.command == "policies":
        from infra.deploy.policies import write_policy_files

        for path in write_policy_files().values():
            print(path)
        return 0
    stage = Stage.load(args.stage)
    if args.command == "package":
        result = commands.build_package(
            stage, args.out or BUILD_DIR / stage.name, check=not args.no_lint, arch=args.arch
        )
        print(f"template: {result.template}\ncode:     {result.zip} ({result.zip_bytes} bytes)")
        for path in sorted(result.layers.values()):
            print(f"layer:    {path} ({path.stat().st_size} bytes)")
        api = result.function_bytes(layers_of("APIHandler"))
        print(f"API function with its layers: {api / 2**20:.1f} MiB zipped")
        return 0
    if args.command == "deploy":
        done = commands.deploy(
            stage,
            region=args.region,
            out=args.out,
            skip_web_build=args.skip_web_build,
            alarm_email=args.alarm_email,
        )
        print(f"web app:   {done.web_url}\nAPI:       {done.api_url}\nMQTT host: {done.mqtt_host}")
        return 0
    report = commands.destroy(stage, region=args.region, purge=args.purge)
    print(report)
    if not args.purge:
        print(
            "DynamoDB tables and the media bucket are retained (DeletionPolicy: Retain); "
            "run with --purge to delete them too."
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
