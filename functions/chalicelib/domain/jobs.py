"""The names of the scheduled jobs: timers are filed under them, schedules run them."""

EXPIRE_SHARES = "expire_shares"
PURGE_SHARE_HISTORY = "purge_share_history"
PURGE_DELETED_PHOTOS = "purge_deleted_photos"
FORGET_PHOTOS = "forget_photos"
REMOVE_UNVERIFIED_ACCOUNTS = "remove_unverified_accounts"
REMOVE_ABANDONED_UPLOADS = "remove_abandoned_uploads"
EXPIRE_PAIRING_SESSIONS = "expire_pairing_sessions"
REJECT_STALE_REQUESTS = "reject_stale_requests"
NOTIFY_OFFLINE_FRAMES = "notify_offline_frames"
FINISH_ACCOUNT_DELETIONS = "finish_account_deletions"

ALL = frozenset(
    {
        EXPIRE_SHARES,
        PURGE_SHARE_HISTORY,
        PURGE_DELETED_PHOTOS,
        FORGET_PHOTOS,
        REMOVE_UNVERIFIED_ACCOUNTS,
        REMOVE_ABANDONED_UPLOADS,
        EXPIRE_PAIRING_SESSIONS,
        REJECT_STALE_REQUESTS,
        NOTIFY_OFFLINE_FRAMES,
        FINISH_ACCOUNT_DELETIONS,
    }
)
