"""Seeds the load test's world into a running local cloud through the app's own models.

Run in a subprocess with the stack's backend environment (as tests/e2e/timers_world.py is), so
the records have exactly the keys and attribute formats the backend writes:

    python tests/load/seed_world.py USERS FRAMES     # prints {"users": …, "seconds": …}

Everyone is verified and shares one password, hashed once with the backend's own argon2
settings (10,000 sign-ups through the API would spend an hour of CPU on argon2 and mail
before the test starts); the sign-ins of the run still check that hash over HTTP. Frames are
records owned by their users with a certificate from the local device CA (issued by the
driver); friendships are stored on both sides, as ``services/friends.py`` stores them.
"""

from __future__ import annotations

import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
for entry in (ROOT, ROOT / "functions"):
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))

from tests.load.mix import World  # noqa: E402

# Panel types of the seeded frames, with weights: most are the classic black-and-white 7.5".
PANEL_WEIGHTS = (
    ("waveshare_7in5_v2", 10),
    ("spectra6_7in3", 5),
    ("grey4_7in5", 2),
    ("acep_7in3", 2),
    ("spectra6_13in3", 1),
)


def panel_of(j: int) -> str:
    """A deterministic spread of the panel types over the frames."""
    total = sum(w for _, w in PANEL_WEIGHTS)
    slot = (j * 7) % total
    for panel, weight in PANEL_WEIGHTS:
        if slot < weight:
            return panel
        slot -= weight
    return PANEL_WEIGHTS[0][0]


def _bind() -> None:
    """Bind the models to this stack's tables (the backend binds its configuration at startup)."""
    from chalicelib import bootstrap

    bootstrap.start()


def _write(model: Any, records: list[Any]) -> int:
    with model.batch_write() as batch:
        for record in records:
            batch.save(record)
    return len(records)


def seed(users: int, frames: int) -> dict[str, Any]:
    _bind()
    from chalicelib.adapters.tables import (
        FrameRecord,
        FriendCodeRecord,
        FriendshipRecord,
        UserEmailRecord,
        UserRecord,
    )
    from chalicelib.domain.timefmt import utcnow
    from chalicelib.services import passwords

    started = time.monotonic()
    world = World(users, frames)
    password_hash = passwords.hash_password(passwords.check_strength(World.PASSWORD))
    now = utcnow()
    joined = now - timedelta(days=30)
    people = [
        UserRecord(
            world.user_id(i),
            email=world.email(i),
            display_name=world.display_name(i),
            password_hash=password_hash,
            verified=True,
            created_at=joined,
            friend_code=world.friend_code(i),
        )
        for i in range(users)
    ]
    emails = [UserEmailRecord(world.email(i), user_id=world.user_id(i)) for i in range(users)]
    codes = [FriendCodeRecord(world.friend_code(i), user_id=world.user_id(i)) for i in range(users)]
    frame_records = [
        FrameRecord(
            world.frame_id(j),
            owner_id=world.user_id(world.owner(j)),
            name=f"Frame {j}",
            panel=panel_of(j),
            certificate_id=f"load-{j}",
            firmware="0.1.0",
            created_at=joined,
        )
        for j in range(frames)
    ]
    sides = []
    for a, b in world.friendship_pairs():
        for me, other in ((a, b), (b, a)):
            sides.append(
                FriendshipRecord(
                    world.user_id(me),
                    world.user_id(other),
                    state="friends",
                    other_name=world.display_name(other),
                    created_at=joined,
                )
            )
    work: list[tuple[Any, list[Any]]] = [
        (UserRecord, people),
        (UserEmailRecord, emails),
        (FriendCodeRecord, codes),
        (FrameRecord, frame_records),
        (FriendshipRecord, sides),
    ]
    # moto answers one request at a time per connection; a few writers in parallel keep it busy.
    chunks = [
        (model, records[k : k + 500])
        for model, records in work
        for k in range(0, len(records), 500)
    ]
    with ThreadPoolExecutor(4) as pool:
        written = sum(pool.map(lambda job: _write(*job), chunks))
    return {
        "users": users,
        "frames": frames,
        "friendships": len(sides) // 2,
        "items": written,
        "seconds": round(time.monotonic() - started, 1),
    }


if __name__ == "__main__":
    print(json.dumps(seed(int(sys.argv[1]), int(sys.argv[2]))))
