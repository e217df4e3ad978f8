import { describe, expect, it, vi } from "vitest";
import { ApiClient, memoryTokenStore, type LockFn, type StoredSession } from "./client";
import { ApiError, NetworkError, SessionExpiredError } from "./errors";

const NOW = 1_000_000;
const noLock: LockFn = (_n, fn) => fn();
const json = (status: number, body?: unknown) =>
  new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

function setup(session: StoredSession | null, handler: (url: string, init: RequestInit) => Response | Promise<Response>) {
  const store = memoryTokenStore(session);
  const fetchMock = vi.fn(async (url: RequestInfo | URL, init?: RequestInit) => handler(String(url), init ?? {}));
  const onSessionExpired = vi.fn();
  const client = new ApiClient({
    baseUrl: "http://api.test/",
    store,
    fetch: fetchMock as unknown as typeof fetch,
    now: () => NOW,
    lock: noLock,
    onSessionExpired,
  });
  return { client, store, fetchMock, onSessionExpired };
}

const fresh = (access = "A1", refresh = "R1"): StoredSession => ({ accessToken: access, refreshToken: refresh, expiresAt: NOW + 600_000 });
const auth = (init: RequestInit) => (init.headers as Record<string, string>).Authorization;

describe("ApiClient", () => {
  it("sends JSON with the bearer token and parses the answer", async () => {
    const { client, fetchMock } = setup(fresh(), () => json(200, { ok: 1 }));
    await expect(client.patch("/me", { displayName: "Ana" })).resolves.toEqual({ ok: 1 });
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toBe("http://api.test/me");
    expect(init!.method).toBe("PATCH");
    expect(auth(init!)).toBe("Bearer A1");
    expect(init!.body).toBe('{"displayName":"Ana"}');
  });

  it("builds query strings and leaves out empty values", async () => {
    const { client, fetchMock } = setup(fresh(), () => json(200, { items: [], nextCursor: null }));
    await client.get("/images", { query: { limit: 30, cursor: null } });
    await client.get("/images", { query: { limit: 30, cursor: "abc/=" } });
    expect(fetchMock.mock.calls[0]![0]).toBe("http://api.test/images?limit=30");
    expect(fetchMock.mock.calls[1]![0]).toBe("http://api.test/images?limit=30&cursor=abc%2F%3D");
  });

  it("sends no token to public endpoints", async () => {
    const { client, fetchMock } = setup(null, () => json(202));
    await client.post("/auth/password-reset", { email: "a@b.c" }, { auth: false });
    expect(auth(fetchMock.mock.calls[0]![1]!)).toBeUndefined();
  });

  it("answers 204 with undefined", async () => {
    const { client } = setup(fresh(), () => new Response(null, { status: 204 }));
    await expect(client.delete("/frames/frm_1")).resolves.toBeUndefined();
  });

  it("throws ApiError with the server's code for 4xx", async () => {
    const { client } = setup(fresh(), () => json(409, { error: { code: "conflict", message: "Already friends." } }));
    const err = (await client.post("/friends/requests", {}).catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe("conflict");
  });

  it("on 401 refreshes once, stores the rotated tokens and retries", async () => {
    const { client, store, fetchMock } = setup(fresh("OLD", "R1"), (url, init) => {
      if (url.endsWith("/auth/refresh")) {
        expect(JSON.parse(String(init.body))).toEqual({ refreshToken: "R1" });
        return json(200, { accessToken: "NEW", refreshToken: "R2", expiresIn: 900 });
      }
      return auth(init) === "Bearer NEW" ? json(200, { userId: "usr_1" }) : json(401, { error: { code: "unauthorized", message: "x" } });
    });
    await expect(client.get("/me")).resolves.toEqual({ userId: "usr_1" });
    expect(fetchMock).toHaveBeenCalledTimes(3);
    expect(store.get()).toEqual({ accessToken: "NEW", refreshToken: "R2", expiresAt: NOW + 900_000 });
  });

  it("shares one refresh between concurrent requests (a rotated token must never be reused)", async () => {
    let refreshes = 0;
    const { client } = setup(fresh("OLD", "R1"), async (url, init) => {
      if (url.endsWith("/auth/refresh")) {
        refreshes++;
        await new Promise((r) => setTimeout(r, 5));
        return json(200, { accessToken: "NEW", refreshToken: "R2", expiresIn: 900 });
      }
      return auth(init) === "Bearer NEW" ? json(200, { url }) : json(401);
    });
    const results = await Promise.all([client.get("/a"), client.get("/b"), client.get("/c")]);
    expect(results).toHaveLength(3);
    expect(refreshes).toBe(1);
  });

  it("refreshes before the request when the access token is about to expire", async () => {
    const calls: string[] = [];
    const { client } = setup({ accessToken: "OLD", refreshToken: "R1", expiresAt: NOW + 5_000 }, (url, init) => {
      calls.push(url.replace("http://api.test", "") + " " + (auth(init) ?? "-"));
      if (url.endsWith("/auth/refresh")) return json(200, { accessToken: "NEW", refreshToken: "R2", expiresIn: 900 });
      return json(200, {});
    });
    await client.get("/me");
    expect(calls).toEqual(["/auth/refresh -", "/me Bearer NEW"]);
  });

  it("uses tokens another tab already renewed instead of refreshing again", async () => {
    const { client, store, fetchMock } = setup(fresh("OLD", "R1"), (url, init) => {
      if (url.endsWith("/auth/refresh")) throw new Error("must not refresh");
      if (auth(init) === "Bearer OLD") {
        // meanwhile, the other tab rotated the tokens
        store.set(fresh("OTHER", "R2"));
        return json(401);
      }
      return json(200, { ok: true });
    });
    await expect(client.get("/me")).resolves.toEqual({ ok: true });
    expect(fetchMock).toHaveBeenCalledTimes(2);
  });

  it("ends the session when the refresh token is refused, and says so once", async () => {
    const { client, store, onSessionExpired } = setup(fresh(), (url) =>
      url.endsWith("/auth/refresh") ? json(401, { error: { code: "unauthorized", message: "Expired." } }) : json(401),
    );
    await expect(client.get("/me")).rejects.toBeInstanceOf(SessionExpiredError);
    expect(store.get()).toBeNull();
    expect(onSessionExpired).toHaveBeenCalledTimes(1);
  });

  it("ends the session if the retried request is still refused", async () => {
    const { client, store } = setup(fresh(), (url) =>
      url.endsWith("/auth/refresh") ? json(200, { accessToken: "NEW", refreshToken: "R2", expiresIn: 900 }) : json(401),
    );
    await expect(client.get("/me")).rejects.toBeInstanceOf(SessionExpiredError);
    expect(store.get()).toBeNull();
  });

  it("keeps the session when the network fails during a refresh", async () => {
    const { client, store } = setup({ accessToken: "OLD", refreshToken: "R1", expiresAt: NOW - 1 }, () => {
      throw new TypeError("Failed to fetch");
    });
    await expect(client.get("/me")).rejects.toBeInstanceOf(NetworkError);
    expect(store.get()?.refreshToken).toBe("R1");
  });

  it("with no session at all, asks the user to log in without calling the API", async () => {
    const { client, fetchMock, onSessionExpired } = setup(null, () => json(200, {}));
    await expect(client.get("/me")).rejects.toBeInstanceOf(SessionExpiredError);
    expect(fetchMock).not.toHaveBeenCalled();
    expect(onSessionExpired).toHaveBeenCalled();
  });

  it("treats an API Gateway authorizer's 403 like a 401, but not the API's own 403", async () => {
    let calls = 0;
    const { client } = setup(fresh("OLD", "R1"), (url, init) => {
      calls++;
      if (url.endsWith("/auth/refresh")) return json(200, { accessToken: "NEW", refreshToken: "R2", expiresIn: 900 });
      if (url.endsWith("/me")) return auth(init) === "Bearer NEW" ? json(200, { ok: 1 }) : json(403, { Message: "User is not authorized to access this resource" });
      return json(403, { error: { code: "forbidden", message: "Not your frame." } });
    });
    await expect(client.get("/me")).resolves.toEqual({ ok: 1 });
    expect(calls).toBe(3);
    const err = (await client.get("/frames/frm_x").catch((e: unknown) => e)) as ApiError;
    expect(err.code).toBe("forbidden");
    expect(calls).toBe(4);
  });

  it("retries a read once with renewed tokens after a network-level failure (an authorizer's answer without CORS)", async () => {
    const { client, store } = setup(fresh("OLD", "R1"), (url, init) => {
      if (url.endsWith("/auth/refresh")) return json(200, { accessToken: "NEW", refreshToken: "R2", expiresIn: 900 });
      if (auth(init) === "Bearer OLD") throw new TypeError("Failed to fetch");
      return json(200, { ok: 1 });
    });
    await expect(client.get("/me")).resolves.toEqual({ ok: 1 });
    expect(store.get()?.accessToken).toBe("NEW");
  });

  it("never repeats a write after a network-level failure", async () => {
    const { client, fetchMock } = setup(fresh(), () => {
      throw new TypeError("Failed to fetch");
    });
    await expect(client.post("/shares", { imageId: "img_1" })).rejects.toBeInstanceOf(NetworkError);
    expect(fetchMock).toHaveBeenCalledTimes(1);
  });
});
