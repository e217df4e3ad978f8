"""Frame software releases: build, sign, upload and register (``python -m infra.release``).

See ``docs/firmware-updates.md``. The private signing key never leaves the release manager's
machine; the frames trust its public key (``firmware_public_key`` in their configuration).
"""
