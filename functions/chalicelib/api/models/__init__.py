"""The HTTP API's contract: one msgspec Struct per request body, query and answer.

A leaf package (msgspec and the standard library only): handlers decode requests into these
models at the edge, services take the request models as typed commands, and
``chalicelib.api.openapi_gen`` writes the OpenAPI document from them and the route table.
"""
