"""What the API's edge hands a service: the JSON a client sent, decoded into the typed command
exactly as ``api/http.py`` decodes it (a shape error is the same ValidationFailed, with its
field). Business-rule tests build their commands through it, so a rule that the models enforce
(at most 20 frames, a required image id) is tested where it now lives."""

from __future__ import annotations

import msgspec

from chalicelib.api.http import invalid


def command[M](model: type[M], payload: object) -> M:
    try:
        return msgspec.convert(payload, model)
    except msgspec.ValidationError as err:
        raise invalid(err) from err
