"""Seeds a local cloud with due timers of mixed jobs and the records they act on, and checks
what the jobs did. Runs in a subprocess with the stack's backend environment, so it writes
through the app's own models (keys, shards, attribute formats) to the stack's moto.

    python tests/e2e/timers_world.py seed N [PART PARTS]  # prints {"jobs": {job: count}, ...}
    python tests/e2e/timers_world.py check N    # prints what is left and what changed
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta

from chalicelib import bootstrap
from chalicelib.adapters import timers
from chalicelib.adapters.tables import (
    FrameRecord,
    ImageRecord,
    PairingSessionRecord,
    TimerRecord,
    UserRecord,
)
from chalicelib.domain import jobs
from chalicelib.domain.timefmt import utcnow

# Of every 10 timers: 4 pairing sessions, 2 offline frames (one mail each), 2 abandoned
# uploads (a quota slot each), 2 shares already gone (the job finds nothing to do).
MIX = (
    [jobs.EXPIRE_PAIRING_SESSIONS] * 4
    + [jobs.NOTIFY_OFFLINE_FRAMES] * 2
    + [jobs.REMOVE_ABANDONED_UPLOADS] * 2
    + [jobs.EXPIRE_SHARES] * 2
)


def _user(n: int, now, photos: int) -> UserRecord:
    return UserRecord(
        f"usr_scale{n:06d}",
        email=f"scale{n:06d}@example.com",
        display_name=f"Scale {n}",
        password_hash="x",
        verified=True,
        created_at=now - timedelta(days=3),
        notifications={"frameOffline": True},
        photo_count=photos,
    )


def seed(count: int, part: int = 0, parts: int = 1) -> dict[str, object]:
    """Items ``part``, ``part + parts``, ... of ``count`` (parts are seeded in parallel)."""
    now = utcnow()
    long_ago = now - timedelta(days=2)
    counts: dict[str, int] = {}
    with (
        TimerRecord.batch_write() as timer_batch,
        UserRecord.batch_write() as users,
        FrameRecord.batch_write() as frames,
        ImageRecord.batch_write() as images,
        PairingSessionRecord.batch_write() as sessions,
    ):
        for n in range(part, count, parts):
            job = MIX[n % len(MIX)]
            counts[job] = counts.get(job, 0) + 1
            if job == jobs.EXPIRE_PAIRING_SESSIONS:
                code = f"SCALE{n:06d}"
                ref = {"code": code}
                sessions.save(
                    PairingSessionRecord(
                        code,
                        poll_token_hash="x",
                        csr_pem="x",
                        panel="waveshare_7in5_v2",
                        firmware="0.1.0",
                        created_at=long_ago,
                        expires_at=long_ago + timedelta(minutes=15),
                        ttl=int(now.timestamp()) + 86400,
                    )
                )
            elif job == jobs.NOTIFY_OFFLINE_FRAMES:
                frame_id = f"frm_scale{n:06d}"
                ref = {"frameId": frame_id}
                users.save(_user(n, now, 0))
                frames.save(
                    FrameRecord(
                        frame_id,
                        owner_id=f"usr_scale{n:06d}",
                        name=f"Frame {n}",
                        panel="waveshare_7in5_v2",
                        certificate_id="x",
                        online=False,
                        last_seen_at=long_ago,
                        created_at=long_ago,
                    )
                )
            elif job == jobs.REMOVE_ABANDONED_UPLOADS:
                # Two abandoned uploads and one real photo: the count must end at exactly 1.
                user_id = f"usr_scale{n:06d}"
                users.save(_user(n, now, 3))
                for k in range(2):
                    images.save(
                        ImageRecord(
                            user_id,
                            f"img_scale{n:06d}{k}",
                            content_type="image/jpeg",
                            declared_bytes=1000,
                            created_at=long_ago,
                        )
                    )
                ref = {"userId": user_id, "imageId": f"img_scale{n:06d}0"}
                # ... the second one's timer is the next n of this job
                timers_ref2 = {"userId": user_id, "imageId": f"img_scale{n:06d}1"}
                timer_batch.save(_timer(job, long_ago, timers_ref2))
                counts[job] += 1
            else:
                ref = {"shareId": f"shr_scale{n:06d}"}
            timer_batch.save(_timer(job, long_ago, ref))
    return {"jobs": counts, "timers": sum(counts.values())}


def _timer(job: str, due, ref: dict[str, str]) -> TimerRecord:
    """Filed as ``timers.schedule`` files work that is already due: in today's bucket (a past
    day's bucket may be behind a sweep cursor that other tests' sweeps have already moved on)."""
    sort = timers._sort(due, ref)
    bucket = timers._bucket(job, max(due, utcnow()), timers.shard_of(sort))
    return TimerRecord(bucket, sort, job=job, ref=ref, due_at=due)


def check(count: int) -> dict[str, object]:
    """What the jobs left undone, read in batches of 100 keys (a read per item would take
    longer than the work)."""
    left: dict[str, int] = {"sessions": 0, "images": 0, "notices": 0, "timers": 0}
    codes, frame_ids, user_ids, image_keys = [], [], [], []
    for n in range(count):
        job = MIX[n % len(MIX)]
        if job == jobs.EXPIRE_PAIRING_SESSIONS:
            codes.append(f"SCALE{n:06d}")
        elif job == jobs.NOTIFY_OFFLINE_FRAMES:
            frame_ids.append(f"frm_scale{n:06d}")
        elif job == jobs.REMOVE_ABANDONED_UPLOADS:
            user_ids.append(f"usr_scale{n:06d}")
            image_keys += [(f"usr_scale{n:06d}", f"img_scale{n:06d}{k}") for k in range(2)]
    left["sessions"] = sum(1 for _ in PairingSessionRecord.batch_get(codes))
    left["images"] = sum(1 for _ in ImageRecord.batch_get(image_keys))
    frames = list(FrameRecord.batch_get(frame_ids, consistent_read=True))
    assert len(frames) == len(frame_ids)
    left["notices"] = sum(1 for f in frames if f.offline_notice_for is None)
    users = list(UserRecord.batch_get(user_ids, consistent_read=True))
    assert len(users) == len(user_ids)
    wrong_counts = sorted(u.user_id for u in users if u.photo_count != 1)
    now = utcnow()
    for job in set(MIX):  # the seeded timers (other tests' timers may share the buckets)
        for shard in range(timers.SHARDS):
            for day in (now - timedelta(days=2), now - timedelta(days=1), now):
                for timer in TimerRecord.query(timers._bucket(job, day, shard)):
                    left["timers"] += "scale" in timer.sort.lower()
    return {"left": left, "wrongPhotoCounts": wrong_counts[:10]}


if __name__ == "__main__":
    bootstrap.start()  # the stack's backend environment, as a Lambda module starts
    command, number, *part = sys.argv[1], int(sys.argv[2]), *map(int, sys.argv[3:5])
    print(json.dumps(seed(number, *part) if command == "seed" else check(number)))
