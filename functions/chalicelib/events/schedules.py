"""Scheduled maintenance (docs/operations.md): each job is its own Lambda function.

Its own blueprint so the jobs import only the maintenance services, not the API (see
upload_queue.py).
"""

from __future__ import annotations

from chalice.app import Blueprint, CloudWatchEvent, Rate

from chalicelib import observability
from chalicelib.services import maintenance

observability.configure()
blueprint = Blueprint(__name__)


@blueprint.schedule(Rate(5, unit=Rate.MINUTES))
def expire_shares(event: CloudWatchEvent) -> None:
    maintenance.start_sweep("expire_shares")


@blueprint.schedule(Rate(1, unit=Rate.HOURS))
def purge_share_history(event: CloudWatchEvent) -> None:
    maintenance.start_sweep("purge_share_history")


@blueprint.schedule(Rate(1, unit=Rate.HOURS))
def purge_deleted_photos(event: CloudWatchEvent) -> None:
    maintenance.start_sweep("purge_deleted_photos")


@blueprint.schedule(Rate(15, unit=Rate.MINUTES))
def forget_photos(event: CloudWatchEvent) -> None:
    maintenance.start_sweep("forget_photos")


@blueprint.schedule(Rate(1, unit=Rate.HOURS))
def remove_unverified_accounts(event: CloudWatchEvent) -> None:
    maintenance.start_sweep("remove_unverified_accounts")


@blueprint.schedule(Rate(1, unit=Rate.HOURS))
def remove_abandoned_uploads(event: CloudWatchEvent) -> None:
    maintenance.start_sweep("remove_abandoned_uploads")


@blueprint.schedule(Rate(15, unit=Rate.MINUTES))
def expire_pairing_sessions(event: CloudWatchEvent) -> None:
    maintenance.start_sweep("expire_pairing_sessions")


@blueprint.schedule(Rate(1, unit=Rate.HOURS))
def reject_stale_requests(event: CloudWatchEvent) -> None:
    maintenance.start_sweep("reject_stale_requests")


@blueprint.schedule(Rate(1, unit=Rate.HOURS))
def notify_offline_frames(event: CloudWatchEvent) -> None:
    maintenance.start_sweep("notify_offline_frames")


@blueprint.schedule(Rate(15, unit=Rate.MINUTES))
def finish_account_deletions(event: CloudWatchEvent) -> None:
    maintenance.start_sweep("finish_account_deletions")
