"""The renditions queue: deliveries waiting for their panel file (``RenderQueue`` port)."""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.adapters import queues
from chalicelib.config import settings
from chalicelib.events.messages import RenderRequest


def request(jobs: Sequence[RenderRequest]) -> None:
    """Enqueue every job (ten per SQS request); raises ``queues.NotQueued`` if one failed."""
    if jobs:
        queues.send_batch(settings().renditions_queue, [job.as_message() for job in jobs])
