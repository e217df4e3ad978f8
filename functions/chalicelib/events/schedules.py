"""Scheduled maintenance (docs/operations.md): each job is its own Lambda function.

A schedule's event carries nothing a job needs (the job is the function), so there is no message
to parse: each function starts its job's sweep. Function names are the job names of
``domain/jobs.py``, the names timers are filed under. Its own blueprint so the jobs import only
the maintenance services, not the API (see upload_queue.py).
"""

from __future__ import annotations

from chalice.app import Blueprint, CloudWatchEvent, Rate

from chalicelib import bootstrap, snapstart
from chalicelib.domain import jobs
from chalicelib.services import maintenance

bootstrap.start()
# The schedules run without SnapStart (docs/deploy.md): the hooks never fire in AWS, and
# tests/deploy still primes them to prove the package holds what their first call loads.
snapstart.register()
blueprint = Blueprint(__name__)

EVERY_5_MINUTES = Rate(5, unit=Rate.MINUTES)
EVERY_15_MINUTES = Rate(15, unit=Rate.MINUTES)
HOURLY = Rate(1, unit=Rate.HOURS)


@blueprint.schedule(EVERY_5_MINUTES, name=jobs.EXPIRE_SHARES)
def expire_shares(event: CloudWatchEvent) -> None:
    maintenance.start_sweep(jobs.EXPIRE_SHARES)


@blueprint.schedule(HOURLY, name=jobs.PURGE_SHARE_HISTORY)
def purge_share_history(event: CloudWatchEvent) -> None:
    maintenance.start_sweep(jobs.PURGE_SHARE_HISTORY)


@blueprint.schedule(HOURLY, name=jobs.PURGE_DELETED_PHOTOS)
def purge_deleted_photos(event: CloudWatchEvent) -> None:
    maintenance.start_sweep(jobs.PURGE_DELETED_PHOTOS)


@blueprint.schedule(EVERY_15_MINUTES, name=jobs.FORGET_PHOTOS)
def forget_photos(event: CloudWatchEvent) -> None:
    maintenance.start_sweep(jobs.FORGET_PHOTOS)


@blueprint.schedule(HOURLY, name=jobs.REMOVE_UNVERIFIED_ACCOUNTS)
def remove_unverified_accounts(event: CloudWatchEvent) -> None:
    maintenance.start_sweep(jobs.REMOVE_UNVERIFIED_ACCOUNTS)


@blueprint.schedule(HOURLY, name=jobs.REMOVE_ABANDONED_UPLOADS)
def remove_abandoned_uploads(event: CloudWatchEvent) -> None:
    maintenance.start_sweep(jobs.REMOVE_ABANDONED_UPLOADS)


@blueprint.schedule(EVERY_15_MINUTES, name=jobs.EXPIRE_PAIRING_SESSIONS)
def expire_pairing_sessions(event: CloudWatchEvent) -> None:
    maintenance.start_sweep(jobs.EXPIRE_PAIRING_SESSIONS)


@blueprint.schedule(HOURLY, name=jobs.REJECT_STALE_REQUESTS)
def reject_stale_requests(event: CloudWatchEvent) -> None:
    maintenance.start_sweep(jobs.REJECT_STALE_REQUESTS)


@blueprint.schedule(HOURLY, name=jobs.NOTIFY_OFFLINE_FRAMES)
def notify_offline_frames(event: CloudWatchEvent) -> None:
    maintenance.start_sweep(jobs.NOTIFY_OFFLINE_FRAMES)


@blueprint.schedule(EVERY_15_MINUTES, name=jobs.FINISH_ACCOUNT_DELETIONS)
def finish_account_deletions(event: CloudWatchEvent) -> None:
    maintenance.start_sweep(jobs.FINISH_ACCOUNT_DELETIONS)
