"""Shareframe's Chalice app: wiring only. Every behaviour lives in chalicelib.

Only the HTTP API runs from this module (``app.app``). Every other Lambda function (the
authorizer, queue consumers, IoT-rule targets, schedules) is defined in a blueprint and runs from
that blueprint's module, so its cold start imports what it needs and not the whole API
(docs/quality.md, "Cold starts"). New functions go in a blueprint under ``chalicelib/events/``.
"""

from __future__ import annotations

from chalice.app import Chalice

from chalicelib import bootstrap, snapstart
from chalicelib.api import (
    auth_routes,
    dashboard,
    frames,
    friends,
    images,
    me,
    pairing,
    releases,
    shares,
)
from chalicelib.api import openapi as openapi_document
from chalicelib.api.authorizer import authorizer_blueprint
from chalicelib.events import (
    export_queue,
    frame_rules,
    rendition_queue,
    schedules,
    timer_queue,
    upload_queue,
)

bootstrap.start()
# What the first requests would load lazily goes into the SnapStart snapshot instead.
snapstart.register(
    prime_modules=(
        "chalicelib.rendering.rendition",
        "chalicelib.rendering.source",
        "chalicelib.adapters.device_ca",
        "argon2",
        "jwt",
    )
)
app = Chalice(app_name="shareframe")
app.register_blueprint(authorizer_blueprint)
for area in (auth_routes, me, images, pairing, frames, shares, friends, dashboard, releases):
    app.register_blueprint(area.blueprint)
app.register_blueprint(openapi_document.blueprint)
for functions in (upload_queue, export_queue, timer_queue, rendition_queue, frame_rules, schedules):
    app.register_blueprint(functions.blueprint)
