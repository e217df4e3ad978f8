"""The local broker's front door: mutual TLS plus the two checks IoT Core makes and mosquitto can't.

mosquitto 2.0.11 lets a frame's certificate connect with another frame's client id (taking
that frame's session over and knocking it offline) and grants a SUBSCRIBE its ACL forbids
(SUBACK 0x00, then silently delivers nothing). IoT Core refuses both: the policy binds the
client id to the thing name (``iot:Connect`` on ``client/${iot:Connection.Thing.ThingName}``) and
an unauthorised subscription gets 0x80 (MQTT 3.1.1) or 0x87 (MQTT 5). So the local cloud puts
this thin, MQTT-aware proxy in front of mosquitto:

* it terminates mutual TLS with the device CA and reads the certificate's CN;
* CONNECT: the client id must equal the CN (the cloud's own CN may use any client id), else
  CONNACK "not authorised" and the socket closes — mosquitto never sees the client;
* CONNECT is passed on with the username set to the CN (whatever the client sent), so
  mosquitto's ACL (``pattern ... %u``) and its log lines work as before;
* SUBSCRIBE: filters outside the frame's policy are answered 0x80/0x87 in the SUBACK; the rest
  go to mosquitto, whose SUBACK is merged back in the client's order;
* PUBLISH with the retain flag is allowed only on the frame's own status topic (the policy's
  ``iot:RetainPublish``); a retained publish elsewhere ends the connection, as IoT Core does;
* every other packet is passed through byte for byte, both ways.

mosquitto listens only on a unix socket in a directory only this user can open.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.localcloud.ca import CaFiles
from infra.localcloud.settings import CLOUD_CLIENT_CN

log = logging.getLogger(__name__)

CONNECT, CONNACK, PUBLISH, SUBSCRIBE, SUBACK = 1, 2, 3, 8, 9
MQTT5 = 5
# CONNACK return codes: 3.1.1 "not authorized" (0x05), 5 "Not authorized" (0x87).
REFUSED_V311, REFUSED_V5 = 0x05, 0x87
# SUBACK: 3.1.1 "failure" (0x80), 5 "Not authorized" (0x87).
SUBACK_DENIED_V311, SUBACK_DENIED_V5 = 0x80, 0x87
# Bigger than any packet mosquitto would take (it refuses over max_packet_size itself); beyond
# this the gate does not even buffer the packet.
HARD_PACKET_LIMIT = 4 * 132096
CONNECT_TIMEOUT_SECONDS = 10


class ProtocolViolation(Exception):
    """A packet the gate will not pass on: the connection ends."""


# --- the policy: the same rules as the IoT policy in infra/template.json ---------------------


def may_use_client_id(cn: str, client_id: str) -> bool:
    return cn == CLOUD_CLIENT_CN or client_id == cn


def may_subscribe(cn: str, topic_filter: str) -> bool:
    """``iot:Subscribe`` on ``topicfilter/shareframe/frames/<thing>/desired`` only."""
    return cn == CLOUD_CLIENT_CN or topic_filter == f"shareframe/frames/{cn}/desired"


def may_retain(cn: str, topic: str) -> bool:
    """``iot:RetainPublish`` only on the frame's own status (its last will is retained too)."""
    return cn == CLOUD_CLIENT_CN or topic == f"shareframe/frames/{cn}/status"


# --- MQTT wire format ---------------------------------------------------------------------


@dataclass
class Packet:
    first: int  # type << 4 | flags
    body: bytes

    @property
    def kind(self) -> int:
        return self.first >> 4

    def encode(self) -> bytes:
        return bytes([self.first]) + encode_varint(len(self.body)) + self.body


def encode_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value % 128, value // 128
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def decode_varint(data: bytes, at: int) -> tuple[int, int]:
    value, shift = 0, 0
    for i in range(4):
        if at + i >= len(data):
            raise ProtocolViolation("truncated variable byte integer")
        byte = data[at + i]
        value += (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, at + i + 1
        shift += 7
    raise ProtocolViolation("malformed variable byte integer")


async def read_packet(reader: asyncio.StreamReader) -> Packet | None:
    try:
        first = (await reader.readexactly(1))[0]
        length, shift = 0, 0
        for _ in range(4):
            byte = (await reader.readexactly(1))[0]
            length += (byte & 0x7F) << shift
            if not byte & 0x80:
                break
            shift += 7
        else:
            raise ProtocolViolation("malformed remaining length")
        if length > HARD_PACKET_LIMIT:
            raise ProtocolViolation(f"packet of {length} bytes")
        return Packet(first, await reader.readexactly(length))
    except asyncio.IncompleteReadError:
        return None


def _string(data: bytes, at: int) -> tuple[bytes, int]:
    if at + 2 > len(data):
        raise ProtocolViolation("truncated string")
    size = int.from_bytes(data[at : at + 2], "big")
    if at + 2 + size > len(data):
        raise ProtocolViolation("truncated string")
    return data[at + 2 : at + 2 + size], at + 2 + size


def _with_length(value: bytes) -> bytes:
    return len(value).to_bytes(2, "big") + value


@dataclass(frozen=True)
class Connect:
    level: int
    client_id: str
    packet: Packet

    def with_username(self, username: str) -> Packet:
        """The same CONNECT with ``username`` as its user name and no password."""
        body = self.packet.body
        _, at = _string(body, 0)  # protocol name
        flags_at = at + 1
        level, flags = body[at], body[flags_at]
        header_end = at + 4  # level, flags, keep-alive
        if level == MQTT5:
            props, after = decode_varint(body, header_end)
            header_end = after + props
        at = header_end
        _, at = _string(body, at)  # client id
        if flags & 0x04:  # will
            if level == MQTT5:
                props, after = decode_varint(body, at)
                at = after + props
            _, at = _string(body, at)
            _, at = _string(body, at)
        new_flags = (flags & 0x3F) | 0x80  # user name, no password
        head = bytearray(body[:header_end])
        head[flags_at] = new_flags
        return Packet(
            self.packet.first, bytes(head) + body[header_end:at] + _with_length(username.encode())
        )


def parse_connect(packet: Packet) -> Connect:
    body = packet.body
    name, at = _string(body, 0)
    if name not in (b"MQTT", b"MQIsdp") or at + 4 > len(body):
        raise ProtocolViolation("not an MQTT CONNECT")
    level = body[at]
    at += 4
    if level == MQTT5:
        props, after = decode_varint(body, at)
        at = after + props
    client_id, _ = _string(body, at)
    return Connect(level, client_id.decode("utf-8", "replace"), packet)


def refuse_connect(level: int) -> bytes:
    if level == MQTT5:
        return bytes([CONNACK << 4, 3, 0, REFUSED_V5, 0])
    return bytes([CONNACK << 4, 2, 0, REFUSED_V311])


@dataclass
class Subscription:
    packet_id: int
    properties: bytes  # v5 only: the encoded properties (length included)
    filters: list[tuple[str, bytes]]  # (filter, encoded entry incl. options byte)


def parse_subscribe(packet: Packet, level: int) -> Subscription:
    body = packet.body
    if len(body) < 2:
        raise ProtocolViolation("truncated SUBSCRIBE")
    packet_id = int.from_bytes(body[:2], "big")
    at = 2
    properties = b""
    if level == MQTT5:
        size, after = decode_varint(body, at)
        properties = body[at : after + size]
        at = after + size
    filters = []
    while at < len(body):
        start = at
        topic, at = _string(body, at)
        at += 1  # subscription options / requested QoS
        if at > len(body):
            raise ProtocolViolation("truncated SUBSCRIBE")
        filters.append((topic.decode("utf-8", "replace"), body[start:at]))
    if not filters:
        raise ProtocolViolation("SUBSCRIBE without a topic filter")
    return Subscription(packet_id, properties, filters)


def publish_topic(packet: Packet) -> str:
    topic, _ = _string(packet.body, 0)
    return topic.decode("utf-8", "replace")


def suback(packet_id: int, level: int, codes: list[int], properties: bytes = b"\x00") -> bytes:
    body = packet_id.to_bytes(2, "big") + (properties if level == MQTT5 else b"") + bytes(codes)
    return Packet(SUBACK << 4, body).encode()


def split_suback(packet: Packet, level: int) -> tuple[int, bytes, list[int]]:
    body = packet.body
    packet_id = int.from_bytes(body[:2], "big")
    at = 2
    properties = b""
    if level == MQTT5:
        size, after = decode_varint(body, at)
        properties = body[at : after + size]
        at = after + size
    return packet_id, properties, list(body[at:])


# --- one client connection ------------------------------------------------------------------


@dataclass
class Session:
    cn: str
    level: int = 4
    # packet id -> the client's filters in order, with None where mosquitto answers
    pending: dict[int, list[int | None]] = field(default_factory=dict)

    def denied_code(self) -> int:
        return SUBACK_DENIED_V5 if self.level == MQTT5 else SUBACK_DENIED_V311


def common_name(peercert: object) -> str | None:
    if not isinstance(peercert, dict):
        return None
    for rdn in peercert.get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                return str(value)
    return None


class Gate:
    """Accepts TLS clients on ``host:port`` and relays them to mosquitto's unix socket."""

    def __init__(self, ca: CaFiles, broker_socket: Path) -> None:
        self.broker_socket = broker_socket
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(ca.ca_cert))
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_cert_chain(str(ca.server_cert), str(ca.server_key))
        self.context = context

    async def serve(self, host: str, port: int, ready: Callable[[], None] | None = None) -> None:
        server = await asyncio.start_server(self.handle, host, port, ssl=self.context)
        if ready is not None:
            ready()
        async with server:
            await server.serve_forever()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        cn = common_name(writer.get_extra_info("peercert"))
        upstream: asyncio.StreamWriter | None = None
        try:
            if cn is None:
                return
            # A client that does not finish its CONNECT in time is dropped (no half-open sockets).
            first = await asyncio.wait_for(read_packet(reader), CONNECT_TIMEOUT_SECONDS)
            if first is None or first.kind != CONNECT:
                return
            connect = parse_connect(first)
            session = Session(cn, connect.level)
            if not may_use_client_id(cn, connect.client_id):
                log.warning(
                    "refused CONNECT: certificate %s asked for client id %r", cn, connect.client_id
                )
                writer.write(refuse_connect(connect.level))
                await writer.drain()
                return
            broker_reader, upstream = await asyncio.open_unix_connection(str(self.broker_socket))
            upstream.write(connect.with_username(cn).encode())
            await upstream.drain()
            await _first_of(
                self._client_to_broker(session, reader, writer, upstream),
                self._broker_to_client(session, broker_reader, writer),
            )
        except (
            ProtocolViolation,
            IndexError,
            ConnectionError,
            ssl.SSLError,
            OSError,
            TimeoutError,
        ) as err:
            log.info("connection of %s ended: %s", cn, err)
        finally:
            for stream in (writer, upstream):
                if stream is not None:
                    stream.close()

    async def _client_to_broker(
        self,
        session: Session,
        reader: asyncio.StreamReader,
        client: asyncio.StreamWriter,
        upstream: asyncio.StreamWriter,
    ) -> None:
        while (packet := await read_packet(reader)) is not None:
            if packet.kind == CONNECT:
                raise ProtocolViolation("a second CONNECT")
            if packet.kind == PUBLISH and packet.first & 0x01:
                topic = publish_topic(packet)
                if not may_retain(session.cn, topic):
                    raise ProtocolViolation(f"{session.cn} may not retain on {topic}")
            if packet.kind == SUBSCRIBE:
                forwarded, answer = self._screen(session, packet)
                if answer is not None:
                    client.write(answer)
                    await client.drain()
                if forwarded is None:
                    continue
                packet = forwarded
            upstream.write(packet.encode())
            await upstream.drain()

    def _screen(self, session: Session, packet: Packet) -> tuple[Packet | None, bytes | None]:
        """(what goes on to mosquitto, the SUBACK the gate answers itself)."""
        sub = parse_subscribe(packet, session.level)
        allowed = [may_subscribe(session.cn, topic) for topic, _ in sub.filters]
        if all(allowed):
            return packet, None
        for topic, ok in zip((t for t, _ in sub.filters), allowed, strict=True):
            if not ok:
                log.warning("refused SUBSCRIBE of %s to %r", session.cn, topic)
        denied = session.denied_code()
        if not any(allowed):  # mosquitto has nothing to add: answer at once
            return None, suback(sub.packet_id, session.level, [denied] * len(allowed))
        session.pending[sub.packet_id] = [None if ok else denied for ok in allowed]
        body = sub.packet_id.to_bytes(2, "big") + sub.properties
        body += b"".join(entry for (_, entry), ok in zip(sub.filters, allowed, strict=True) if ok)
        return Packet(packet.first, body), None

    async def _broker_to_client(
        self, session: Session, reader: asyncio.StreamReader, client: asyncio.StreamWriter
    ) -> None:
        while (packet := await read_packet(reader)) is not None:
            if packet.kind == SUBACK:
                packet_id, properties, codes = split_suback(packet, session.level)
                plan = session.pending.pop(packet_id, None)
                if plan is not None:
                    granted = iter(codes)
                    merged = [code if code is not None else next(granted) for code in plan]
                    client.write(suback(packet_id, session.level, merged, properties or b"\x00"))
                    await client.drain()
                    continue
            client.write(packet.encode())
            await client.drain()


async def _first_of(*coroutines: Coroutine[Any, Any, None]) -> None:
    """Run both directions; when one ends (a side closed), stop the other."""
    tasks = [asyncio.ensure_future(c) for c in coroutines]
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    for task in done:
        task.result()
