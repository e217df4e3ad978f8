// A stand-in for the Shareframe API (docs/api.md), in memory, for working on the web app and
// taking screenshots before or without the real local cloud. Not the product: no security, no
// persistence. It also serves web/dist with /config.json pointing at itself.
//
//   npm run build && node mock/server.mjs [port]      then open http://localhost:8787
//
// Shortcuts: every new account is verified at once (the link is also printed); any well-formed
// pairing code pairs a virtual frame; shares go queued → delivered → displayed within seconds.

import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

const PORT = Number(process.argv[2] ?? process.env.PORT ?? 8787);
const ORIGIN = `http://localhost:${PORT}`;
const API = "/api";
const DIST = fileURLToPath(new URL("../dist/", import.meta.url));

let n = 0;
const id = (p) => `${p}_${Date.now().toString(36)}${(++n).toString(36).padStart(4, "0")}`.toUpperCase().replace(/^(\w+?)_/, (m, a) => `${a.toLowerCase()}_`);
const now = () => new Date().toISOString().replace(/\.\d+Z$/, "Z");
const code4 = () => Array.from({ length: 8 }, () => "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"[Math.floor(Math.random() * 32)]).join("");

const db = { users: new Map(), tokens: new Map(), refresh: new Map(), images: new Map(), blobs: new Map(), frames: new Map(), requests: new Map(), friendships: new Set(), blocks: new Set(), shares: new Map() };
const PANEL_SIZE = { waveshare_7in5_v2: [800, 480], grey4_7in5: [800, 480], spectra6_7in3: [800, 480], spectra6_13in3: [1600, 1200], acep_7in3: [800, 480] };

class HttpError extends Error {
  constructor(status, code, message, field) { super(message); Object.assign(this, { status, code, field }); }
}
const fail = (s, c, m, f) => { throw new HttpError(s, c, m, f); };

function issueTokens(userId) {
  const accessToken = "at_" + code4() + code4();
  const refreshToken = "rt_" + code4() + code4();
  db.tokens.set(accessToken, { userId, exp: Date.now() + 15 * 60_000 });
  db.refresh.set(refreshToken, userId);
  return { accessToken, refreshToken, expiresIn: 900 };
}
const publicUser = (u) => ({ userId: u.userId, email: u.email, pendingEmail: u.pendingEmail ?? null, displayName: u.displayName, friendCode: u.friendCode, findable: u.findable, timeZone: u.timeZone, notifications: u.notifications, createdAt: u.createdAt });
const friendsOf = (uid) => [...db.friendships].map((k) => k.split("|")).filter((p) => p.includes(uid)).map((p) => (p[0] === uid ? p[1] : p[0]));
const areFriends = (a, b) => db.friendships.has([a, b].sort().join("|"));

function describeImage(img) {
  const ready = img.state === "ready";
  return { ...img, bytes: undefined, userId: undefined, thumbnailUrl: ready ? `${ORIGIN}/media/${img.imageId}` : null, previewUrl: ready ? `${ORIGIN}/media/${img.imageId}` : null };
}
function frameStatus(f) { return { online: true, lastSeenAt: now(), firmware: f.firmware, freeBytes: 900_000_000, battery: null, nextWakeAt: null, showing: f.showing ?? null }; }
function describeFrame(f) { const { items, ...rest } = f; return { ...rest, status: frameStatus(f) }; }
function shareView(s) {
  const sender = db.users.get(s.senderId);
  const img = db.images.get(s.imageId);
  return { ...s, senderName: sender?.displayName ?? "Someone", thumbnailUrl: img?.state === "ready" ? `${ORIGIN}/media/${img.imageId}` : undefined,
    deliveries: s.deliveries.map((d) => ({ ...d, frameName: db.frames.get(d.frameId)?.name ?? "Frame", ownerId: db.frames.get(d.frameId)?.ownerId })) };
}
function mayView(uid, s) { return s.senderId === uid || s.deliveries.some((d) => db.frames.get(d.frameId)?.ownerId === uid); }
function canSendTo(uid, f) {
  if (f.ownerId === uid) return true;
  if (!areFriends(uid, f.ownerId)) return false;
  return f.sendPolicy === "friends" || (f.sendPolicy === "chosen" && f.allowedSenders.includes(uid));
}
function page(items, url) {
  const limit = Math.min(100, Number(url.searchParams.get("limit") ?? 30));
  const start = Number(url.searchParams.get("cursor") ?? 0);
  const slice = items.slice(start, start + limit);
  return { items: slice, nextCursor: start + limit < items.length ? String(start + limit) : null };
}

async function api(method, path, url, body, uid) {
  const m = (re) => path.match(re);
  let r;
  // ---- public
  if (method === "POST" && path === "/auth/register") {
    if (!body.email?.includes("@")) fail(400, "validation_failed", "Enter a valid email address.", "email");
    if (!body.password || body.password.length < 8) fail(400, "validation_failed", "Passwords need at least 8 characters.", "password");
    if (!body.displayName?.trim()) fail(400, "validation_failed", "displayName must be 1-60 characters.", "displayName");
    // Like the API: a taken address answers as a new one (its owner is mailed instead).
    if ([...db.users.values()].some((u) => u.email === body.email)) return [201, { email: body.email, verificationRequired: true }];
    const userId = id("usr");
    db.users.set(userId, { userId, email: body.email, password: body.password, displayName: body.displayName.trim(), friendCode: code4(), findable: true, timeZone: "Europe/Berlin", notifications: { friendRequest: true, photoDisplayed: false, frameOffline: true }, createdAt: now(), verified: true });
    console.log(`[mock] verify link: ${ORIGIN}/verify?token=vt_${userId}`);
    return [201, { email: body.email, verificationRequired: true }];
  }
  if (method === "POST" && path === "/auth/verify") return [200, { verified: true }];
  if (method === "POST" && path === "/auth/email-change/cancel") return [200, { cancelled: true, sessionsEnded: true }];
  if (method === "POST" && ["/auth/resend-verification", "/auth/password-reset"].includes(path)) return [202, {}];
  if (method === "POST" && path === "/auth/password-reset/confirm") return [200, {}];
  if (method === "POST" && path === "/auth/login") {
    const u = [...db.users.values()].find((x) => x.email === body.email && x.password === body.password);
    if (!u) fail(401, "invalid_credentials", "Email or password is wrong.");
    return [200, { ...issueTokens(u.userId), user: publicUser(u) }];
  }
  if (method === "POST" && path === "/auth/refresh") {
    const userId = db.refresh.get(body.refreshToken);
    if (!userId) fail(401, "unauthorized", "Please log in again.");
    db.refresh.delete(body.refreshToken);
    return [200, issueTokens(userId)];
  }
  if (method === "POST" && path === "/auth/logout") { db.refresh.delete(body.refreshToken); return [204]; }
  if (method === "GET" && path === "/releases") return [200, { items: [
    { version: "0.2.0", channel: "stable", publishedAt: "2026-11-20T10:00:00Z", critical: false, notes: "Photos appear faster after a frame wakes up.\nCaptions are easier to read on colour panels." },
    { version: "0.1.0", channel: "stable", publishedAt: "2026-10-01T10:00:00Z", notes: "First release." } ] }];
  if (!uid) fail(401, "unauthorized", "Please log in.");
  const me = db.users.get(uid);
  // ---- me
  if (path === "/me" && method === "GET") return [200, publicUser(me)];
  if (path === "/me" && method === "PATCH") {
    const { email, currentPassword, ...rest } = body;
    if (email !== undefined && email !== me.email) {
      if (!currentPassword) fail(400, "validation_failed", "Enter your current password to change the address.", "currentPassword");
      if (currentPassword !== me.password) fail(403, "forbidden", "The current password is wrong.", "currentPassword");
      me.pendingEmail = email;
    }
    Object.assign(me, rest);
    return [200, publicUser(me)];
  }
  if (path === "/me/pending-email" && method === "DELETE") { me.pendingEmail = null; return [200, publicUser(me)]; }
  if (path === "/me" && method === "DELETE") { if (body.password !== me.password) fail(403, "forbidden", "That password isn't right.", "password"); db.users.delete(uid); return [204]; }
  if (path === "/me/password") { if (body.currentPassword !== me.password) fail(403, "forbidden", "Your current password isn't right.", "currentPassword"); me.password = body.newPassword; return [204]; }
  if (path === "/me/export") return [202, { exportId: id("exp") }];
  // ---- images
  if (path === "/images" && method === "POST") {
    const imageId = id("img");
    db.images.set(imageId, { imageId, userId: uid, state: "pending", title: (body.filename ?? "").replace(/\.[^.]+$/, ""), createdAt: now(), focalPoint: { x: 0.5, y: 0.5 }, width: null, height: null });
    return [201, { imageId, upload: { url: `${ORIGIN}/upload/${imageId}`, fields: { key: `originals/${uid}/${imageId}`, "Content-Type": body.contentType, policy: "mock", "x-amz-signature": "mock" } }, maxBytes: 25 * 1024 * 1024, expiresAt: now() }];
  }
  if (path === "/images" && method === "GET") return [200, page([...db.images.values()].filter((i) => i.userId === uid).reverse().map(describeImage), url)];
  if ((r = m(/^\/images\/([^/]+)$/))) {
    const img = db.images.get(r[1]);
    if (!img || img.userId !== uid) fail(404, "not_found", "This photo does not exist.");
    if (method === "GET") return [200, describeImage(img)];
    if (method === "PATCH") { if (body.title !== undefined) img.title = body.title; if (body.focalPoint) img.focalPoint = body.focalPoint; return [200, describeImage(img)]; }
    if (method === "DELETE") {
      db.images.delete(img.imageId);
      const still = [...db.shares.values()].filter((s) => s.imageId === img.imageId).flatMap((s) => s.deliveries).filter((d) => !["removed", "expired"].includes(d.state)).length;
      return [200, { deleted: true, sharesStillOnFrames: still }];
    }
  }
  if ((r = m(/^\/images\/([^/]+)\/renditions\/([^/]+)$/))) {
    const img = db.images.get(r[1]);
    if (!img) fail(404, "not_found", "This photo does not exist.");
    const o = url.searchParams.get("orientation") === "portrait" ? "portrait" : "landscape";
    let [w, h] = PANEL_SIZE[r[2]] ?? fail(400, "validation_failed", "Unknown panel.", "panel");
    if (o === "portrait") [w, h] = [h, w];
    return [200, { panel: r[2], orientation: o, width: w, height: h, previewUrl: `${ORIGIN}/rendition/${img.imageId}/${r[2]}/${o}` }];
  }
  // ---- frames
  if (path === "/frames" && method === "POST") {
    const c = String(body.code ?? "").toUpperCase();
    if (!/^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$/.test(c)) fail(404, "not_found", "That code isn't valid or has expired. Check the frame's screen.", "code");
    if (!body.name?.trim() || body.name.length > 40) fail(400, "validation_failed", "A frame name must be 1-40 characters.", "name");
    const frameId = id("frm");
    const f = { frameId, name: body.name.trim(), ownerId: uid, panel: "waveshare_7in5_v2", orientation: "landscape", intervalSeconds: 900, order: "newest_first", quietHours: null, timeZone: "Europe/Berlin", showStatus: true, sendPolicy: "friends", allowedSenders: [], createdAt: now(), firmware: "0.1.0" };
    db.frames.set(frameId, f);
    return [201, describeFrame(f)];
  }
  if (path === "/frames" && method === "GET") return [200, { items: [...db.frames.values()].filter((f) => f.ownerId === uid).map(describeFrame) }];
  if (path === "/frames/targets") return [200, { items: [...db.frames.values()].filter((f) => canSendTo(uid, f)).map((f) => ({ frameId: f.frameId, name: f.name, ownerId: f.ownerId, ownerName: db.users.get(f.ownerId)?.displayName, panel: f.panel, orientation: f.orientation, online: true })) }];
  if ((r = m(/^\/frames\/([^/]+)(\/.*)?$/))) {
    const f = db.frames.get(r[1]);
    if (!f || f.ownerId !== uid) fail(404, "not_found", "This frame does not exist.");
    const sub = r[2] ?? "";
    if (sub === "" && method === "GET") return [200, describeFrame(f)];
    if (sub === "" && method === "PATCH") { Object.assign(f, body); return [200, describeFrame(f)]; }
    if (sub === "" && method === "DELETE") { db.frames.delete(f.frameId); return [204]; }
    if (sub === "/items") return [200, { items: [...db.shares.values()].flatMap((s) => s.deliveries.filter((d) => d.frameId === f.frameId && !["removed", "expired"].includes(d.state)).map((d) => ({ ...d, shareId: s.shareId, imageId: s.imageId, senderName: db.users.get(s.senderId)?.displayName, caption: s.caption, expiresAt: s.expiresAt, frameName: f.name, ownerId: f.ownerId, thumbnailUrl: `${ORIGIN}/media/${s.imageId}` }))) }];
    if (sub === "/show-now") { f.showing = body.shareId; return [202, {}]; }
    if (sub === "/firmware") return [200, { current: f.firmware, available: f.firmware === "0.2.0" ? null : { version: "0.2.0", publishedAt: "2026-11-20T10:00:00Z", notes: "Photos appear faster after a frame wakes up." }, state: f.updating ? "update_requested" : "idle" }];
    if (sub === "/firmware/update") { f.updating = true; setTimeout(() => { f.firmware = "0.2.0"; f.updating = false; }, 5000); return [202, {}]; }
  }
  // ---- friends
  if (path === "/friends") return [200, { items: friendsOf(uid).map((o) => ({ userId: o, displayName: db.users.get(o)?.displayName, since: now() })) }];
  if (path === "/friends/requests" && method === "GET") {
    const dir = url.searchParams.get("direction");
    return [200, { items: [...db.requests.values()].filter((q) => (dir === "incoming" ? q.to === uid : q.from === uid)).map((q) => { const other = dir === "incoming" ? q.from : q.to; return { requestId: q.requestId, userId: other, displayName: db.users.get(other)?.displayName, createdAt: q.createdAt }; }) }];
  }
  if (path === "/friends/requests" && method === "POST") {
    const code = String(body.friendCode ?? "").toUpperCase().replace(/[^0-9A-Z]/g, "");
    const other = [...db.users.values()].find((u) => u.friendCode === code);
    if (!other) fail(404, "not_found", "No one has that friend code. Check it and try again.", "friendCode");
    if (other.userId === uid) fail(400, "validation_failed", "That's your own code.", "friendCode");
    if (areFriends(uid, other.userId)) fail(409, "conflict", `You and ${other.displayName} are already friends.`, "friendCode");
    const requestId = id("frq");
    db.requests.set(requestId, { requestId, from: uid, to: other.userId, createdAt: now() });
    return [201, { requestId }];
  }
  if ((r = m(/^\/friends\/requests\/([^/]+)\/(accept|reject|cancel)$/))) {
    const q = db.requests.get(r[1]);
    if (!q || (r[2] === "cancel" ? q.from !== uid : q.to !== uid)) fail(404, "not_found", "This request no longer exists.");
    db.requests.delete(q.requestId);
    if (r[2] === "accept") db.friendships.add([q.from, q.to].sort().join("|"));
    return [200, {}];
  }
  if ((r = m(/^\/friends\/([^/]+)$/)) && method === "DELETE") { db.friendships.delete([uid, r[1]].sort().join("|")); return [204]; }
  if (path === "/blocks" && method === "GET") return [200, { items: [...db.blocks].map((k) => k.split("|")).filter(([a]) => a === uid).map(([, b]) => ({ userId: b, displayName: db.users.get(b)?.displayName })) }];
  if (path === "/blocks" && method === "POST") { db.blocks.add(`${uid}|${body.userId}`); db.friendships.delete([uid, body.userId].sort().join("|")); return [201, {}]; }
  if ((r = m(/^\/blocks\/([^/]+)$/))) { db.blocks.delete(`${uid}|${r[1]}`); return [204]; }
  // ---- shares
  if (path === "/shares" && method === "POST") {
    const img = db.images.get(body.imageId);
    if (!img || img.userId !== uid) fail(404, "not_found", "This photo does not exist.", "imageId");
    if (!Array.isArray(body.frameIds) || !body.frameIds.length) fail(400, "validation_failed", "Pick at least one frame.", "frameIds");
    for (const fid of body.frameIds) { const f = db.frames.get(fid); if (!f || !canSendTo(uid, f)) fail(403, "forbidden", "You can't send to one of these frames.", "frameIds"); }
    const days = { "24h": 1, "7d": 7, "14d": 14, "30d": 30 }[body.duration ?? "24h"];
    const shareId = id("shr");
    const s = { shareId, imageId: img.imageId, senderId: uid, caption: body.caption ?? null, createdAt: now(), expiresAt: days ? new Date(Date.now() + days * 86400e3).toISOString().replace(/\.\d+Z$/, "Z") : null, deliveries: body.frameIds.map((frameId) => ({ frameId, state: "queued", expectedAt: new Date(Date.now() + 3000).toISOString() })) };
    db.shares.set(shareId, s);
    setTimeout(() => s.deliveries.forEach((d) => { if (d.state === "queued") Object.assign(d, { state: "delivered", deliveredAt: now() }); }), 2500);
    setTimeout(() => s.deliveries.forEach((d) => { if (d.state === "delivered") { Object.assign(d, { state: "displayed", displayedAt: now() }); db.frames.get(d.frameId) && (db.frames.get(d.frameId).showing = shareId); } }), 5000);
    return [201, shareView(s)];
  }
  if (path === "/shares" && method === "GET") {
    const dir = url.searchParams.get("direction");
    const list = [...db.shares.values()].reverse().filter((s) => (dir === "sent" ? s.senderId === uid : s.senderId !== uid && mayView(uid, s)));
    return [200, page(list.map(shareView), url)];
  }
  if ((r = m(/^\/shares\/([^/]+)$/))) { const s = db.shares.get(r[1]); if (!s || !mayView(uid, s)) fail(404, "not_found", "Not found."); return [200, shareView(s)]; }
  if ((r = m(/^\/shares\/([^/]+)\/frames\/([^/]+)$/)) && method === "DELETE") {
    const s = db.shares.get(r[1]); const d = s?.deliveries.find((x) => x.frameId === r[2]);
    if (!d) fail(404, "not_found", "Not found.");
    d.state = "removed"; return [204];
  }
  // ---- dashboard
  if (path === "/dashboard") {
    const mine = [...db.frames.values()].filter((f) => f.ownerId === uid);
    const sent = [...db.shares.values()].filter((s) => s.senderId === uid);
    const activity = Array.from({ length: 30 }, (_, i) => {
      const d = new Date(Date.now() - (29 - i) * 86400e3).toISOString().slice(0, 10);
      const seed = (i * 7 + uid.length) % 5;
      return { date: d, sent: i === 29 ? sent.length : seed % 3, received: (seed + 1) % 4 === 0 ? 2 : seed % 2, displayed: seed % 3 };
    });
    const recent = sent.slice(-5).reverse().map((s) => ({ type: "share_sent", at: s.createdAt, frameName: db.frames.get(s.deliveries[0]?.frameId)?.name }));
    return [200, { photos: [...db.images.values()].filter((i) => i.userId === uid).length, activeOnMyFrames: [...db.shares.values()].flatMap((s) => s.deliveries).filter((d) => mine.some((f) => f.frameId === d.frameId) && d.state !== "removed").length, sentThisWeek: sent.length, framesOnline: mine.length, framesOffline: 0, activity, recent }];
  }
  fail(404, "not_found", "No such endpoint.");
}

function multipartFile(buf, contentType) {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType ?? "");
  if (!boundary) return null;
  const sep = Buffer.from("--" + (boundary[1] ?? boundary[2]));
  let start = 0; const parts = [];
  for (;;) { const i = buf.indexOf(sep, start); if (i < 0) break; if (start) parts.push(buf.subarray(start, i - 2)); start = i + sep.length + 2; }
  for (const p of parts) {
    const headEnd = p.indexOf("\r\n\r\n"); const head = p.subarray(0, headEnd).toString();
    if (/name="file"/.test(head)) return { type: /Content-Type: (.+)/i.exec(head)?.[1]?.trim() ?? "application/octet-stream", bytes: p.subarray(headEnd + 4) };
  }
  return null;
}

const MIME = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml", ".json": "application/json", ".png": "image/png" };
const cors = { "Access-Control-Allow-Origin": "*", "Access-Control-Allow-Headers": "Authorization, Content-Type", "Access-Control-Allow-Methods": "GET, POST, PATCH, DELETE, OPTIONS" };

createServer(async (req, res) => {
  const url = new URL(req.url, ORIGIN);
  const chunks = []; for await (const c of req) chunks.push(c);
  const raw = Buffer.concat(chunks);
  const send = (status, body, type = "application/json", extra = {}) => { res.writeHead(status, { "Content-Type": type, ...cors, ...extra }); res.end(body); };
  try {
    if (req.method === "OPTIONS") return send(204, "");
    if (url.pathname === "/config.json") return send(200, JSON.stringify({ apiUrl: ORIGIN + API }), "application/json", { "Cache-Control": "no-store" });
    if (url.pathname.startsWith("/upload/") && req.method === "POST") {
      const img = db.images.get(url.pathname.split("/")[2]);
      const file = multipartFile(raw, req.headers["content-type"]);
      if (!img || !file) return send(400, "<Error><Code>InvalidArgument</Code></Error>", "application/xml");
      db.blobs.set(img.imageId, file);
      setTimeout(() => Object.assign(img, file.bytes.length < 100 ? { state: "rejected", reason: "This file isn't a photo we can read." } : { state: "ready", width: 4032, height: 3024, title: img.title || "Photo" }), 1500);
      return send(204, "");
    }
    if (url.pathname.startsWith("/media/") || url.pathname.startsWith("/rendition/")) {
      const [, , imageId, panel, o] = url.pathname.split("/");
      const blob = db.blobs.get(imageId);
      if (url.pathname.startsWith("/rendition/") && blob) {
        let [w, h] = PANEL_SIZE[panel] ?? [800, 480]; if (o === "portrait") [w, h] = [h, w];
        const mono = panel.includes("waveshare") || panel.includes("grey");
        const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}"><defs><filter id="g"><feColorMatrix type="saturate" values="${mono ? 0 : 1}"/></filter></defs><image href="data:${blob.type};base64,${blob.bytes.toString("base64")}" width="${w}" height="${h}" preserveAspectRatio="xMidYMid slice" filter="url(#g)"/></svg>`;
        return send(200, svg, "image/svg+xml");
      }
      if (blob) return send(200, blob.bytes, blob.type);
      return send(404, "");
    }
    if (url.pathname.startsWith(API + "/")) {
      const token = (req.headers.authorization ?? "").replace(/^Bearer /, "");
      const t = db.tokens.get(token);
      const uid = t && t.exp > Date.now() ? t.userId : null;
      let body = {};
      if (raw.length) { try { body = JSON.parse(raw.toString()); } catch { throw new HttpError(400, "bad_json", "The request body is not valid JSON."); } }
      const [status, out] = await api(req.method, url.pathname.slice(API.length), url, body, uid);
      return status === 204 ? send(204, "") : send(status, JSON.stringify(out ?? {}));
    }
    // the SPA
    const rel = normalize(decodeURIComponent(url.pathname)).replace(/^(\.\.[/\\])+/, "");
    const file = join(DIST, rel);
    try { if (extname(file)) return send(200, await readFile(file), MIME[extname(file)] ?? "application/octet-stream"); } catch { /* fall through */ }
    return send(200, await readFile(join(DIST, "index.html")), MIME[".html"]);
  } catch (e) {
    if (e instanceof HttpError) return send(e.status, JSON.stringify({ error: { code: e.code, message: e.message, ...(e.field ? { field: e.field } : {}) } }));
    console.error(e);
    return send(500, JSON.stringify({ error: { code: "internal", message: "Something went wrong." } }));
  }
}).listen(PORT, "localhost", () => console.log(`[mock] Shareframe web + mock API on ${ORIGIN}`));
