// The one place that talks HTTP to the Shareframe API.
//
// * attaches the bearer token;
// * turns every error body into an ApiError (see errors.ts);
// * renews the session: shortly before the access token expires, or once after a 401, it calls
//   POST /auth/refresh. Refresh tokens rotate and re-using an old one revokes the whole family,
//   so concurrent callers share one refresh, and tabs coordinate through a Web Lock when the
//   browser has them and through the shared localStorage copy of the tokens;
// * when the session cannot be renewed, it clears the tokens and calls onSessionExpired (the app
//   then sends the user to log in, remembering the page).

import { ApiError, NetworkError, SessionExpiredError, apiErrorFromResponse } from "./errors";
import type { TokenPair } from "./types";

export interface StoredSession {
  accessToken: string;
  refreshToken: string;
  /** Epoch milliseconds at which the access token expires. */
  expiresAt: number;
}

export interface TokenStore {
  get(): StoredSession | null;
  set(session: StoredSession | null): void;
  subscribe(listener: () => void): () => void;
}

export const SESSION_KEY = "shareframe.session";

/** Tokens in localStorage, so a reload or a second tab keeps the session. */
export function localStorageTokenStore(key = SESSION_KEY, storage: Storage = window.localStorage): TokenStore {
  const listeners = new Set<() => void>();
  let cachedRaw: string | null | undefined;
  let cached: StoredSession | null = null;
  const read = (): StoredSession | null => {
    let raw: string | null = null;
    try {
      raw = storage.getItem(key);
    } catch {
      raw = null;
    }
    if (raw === cachedRaw) return cached;
    cachedRaw = raw;
    cached = null;
    if (raw) {
      try {
        const v = JSON.parse(raw) as Partial<StoredSession>;
        if (typeof v.accessToken === "string" && typeof v.refreshToken === "string") {
          cached = { accessToken: v.accessToken, refreshToken: v.refreshToken, expiresAt: Number(v.expiresAt) || 0 };
        }
      } catch {
        cached = null;
      }
    }
    return cached;
  };
  if (typeof window !== "undefined") {
    window.addEventListener("storage", (e) => {
      if (e.key === key || e.key === null) listeners.forEach((l) => l());
    });
  }
  return {
    get: read,
    set(session) {
      try {
        if (session) storage.setItem(key, JSON.stringify(session));
        else storage.removeItem(key);
      } catch {
        // storage full or blocked: the session lives until reload
      }
      listeners.forEach((l) => l());
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** A store kept in memory (tests, or browsers that block storage). */
export function memoryTokenStore(initial: StoredSession | null = null): TokenStore {
  let value = initial;
  const listeners = new Set<() => void>();
  return {
    get: () => value,
    set(s) {
      value = s;
      listeners.forEach((l) => l());
    },
    subscribe(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
}

export type LockFn = <T>(name: string, fn: () => Promise<T>) => Promise<T>;

/** Use the Web Locks API when there is one, so two tabs never refresh with the same token. */
export const browserLock: LockFn = (name, fn) => {
  const locks = typeof navigator !== "undefined" ? (navigator as Navigator & { locks?: LockManager }).locks : undefined;
  if (locks && typeof locks.request === "function") {
    return locks.request(name, () => fn()) as Promise<Awaited<ReturnType<typeof fn>>>;
  }
  return fn();
};

const SAFE_METHODS = new Set(["GET", "HEAD"]);

/**
 * Did the server refuse the access token? A 401, or the 403 an API Gateway authorizer gives
 * for a token it denies (body {"Message": "User is not authorized to access this resource"}),
 * which is not the API's own {"error": ...} body.
 */
export async function isAuthRejection(res: Response): Promise<boolean> {
  if (res.status === 401) return true;
  if (res.status !== 403) return false;
  try {
    const body = (await res.clone().json()) as Record<string, unknown>;
    return !("error" in body) && typeof body.Message === "string";
  } catch {
    return false;
  }
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined | null>;
  /** false for the public endpoints (login, register, ...). */
  auth?: boolean;
  signal?: AbortSignal;
}

export interface ApiClientOptions {
  baseUrl?: string;
  store: TokenStore;
  fetch?: typeof fetch;
  now?: () => number;
  lock?: LockFn;
  onSessionExpired?: () => void;
  /** Refresh this long before the access token's expiry. */
  refreshMarginMs?: number;
}

export class ApiClient {
  baseUrl: string;
  readonly store: TokenStore;
  onSessionExpired?: () => void;
  private readonly fetchImpl: typeof fetch;
  private readonly now: () => number;
  private readonly lock: LockFn;
  private readonly margin: number;
  private refreshing: Promise<string | null> | null = null;

  constructor(opts: ApiClientOptions) {
    this.baseUrl = (opts.baseUrl ?? "").replace(/\/+$/, "");
    this.store = opts.store;
    this.fetchImpl = opts.fetch ?? ((...args) => globalThis.fetch(...args));
    this.now = opts.now ?? (() => Date.now());
    this.lock = opts.lock ?? browserLock;
    this.onSessionExpired = opts.onSessionExpired;
    this.margin = opts.refreshMarginMs ?? 30_000;
  }

  setBaseUrl(url: string): void {
    this.baseUrl = url.replace(/\/+$/, "");
  }

  isLoggedIn(): boolean {
    return this.store.get() !== null;
  }

  /** Keep the tokens from a login or a refresh. */
  setTokens(pair: TokenPair): void {
    this.store.set({
      accessToken: pair.accessToken,
      refreshToken: pair.refreshToken,
      expiresAt: this.now() + Math.max(0, pair.expiresIn) * 1000,
    });
  }

  clearTokens(): void {
    this.store.set(null);
  }

  url(path: string, query?: RequestOptions["query"]): string {
    let u = this.baseUrl + path;
    if (query) {
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) {
        if (v !== undefined && v !== null && v !== "") qs.set(k, String(v));
      }
      const s = qs.toString();
      if (s) u += (u.includes("?") ? "&" : "?") + s;
    }
    return u;
  }

  get<T>(path: string, opts: Omit<RequestOptions, "body"> = {}): Promise<T> {
    return this.request<T>("GET", path, opts);
  }
  post<T>(path: string, body?: unknown, opts: Omit<RequestOptions, "body"> = {}): Promise<T> {
    return this.request<T>("POST", path, { ...opts, body });
  }
  patch<T>(path: string, body: unknown, opts: Omit<RequestOptions, "body"> = {}): Promise<T> {
    return this.request<T>("PATCH", path, { ...opts, body });
  }
  delete<T>(path: string, body?: unknown, opts: Omit<RequestOptions, "body"> = {}): Promise<T> {
    return this.request<T>("DELETE", path, { ...opts, body });
  }

  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const auth = opts.auth ?? true;
    if (!auth) {
      const res = await this.send(method, path, opts, null);
      return this.parse<T>(res);
    }
    const token = await this.currentAccessToken();
    let res: Response;
    try {
      res = await this.send(method, path, opts, token);
    } catch (e) {
      // An API Gateway authorizer that refuses a token answers without CORS headers, which the
      // browser reports as a network error. For reads, try once with renewed tokens: if the
      // network is really down, the refresh fails the same way and the session is kept.
      if (!(e instanceof NetworkError) || !SAFE_METHODS.has(method)) throw e;
      const renewed = await this.refresh(token);
      if (!renewed) return this.expire();
      res = await this.send(method, path, opts, renewed);
      if (await isAuthRejection(res)) return this.expire();
      return this.parse<T>(res);
    }
    if (await isAuthRejection(res)) {
      const renewed = await this.refresh(token);
      if (!renewed) return this.expire();
      res = await this.send(method, path, opts, renewed);
      if (await isAuthRejection(res)) return this.expire();
    }
    return this.parse<T>(res);
  }

  /** A usable access token, refreshing first when it is (nearly) expired. */
  private async currentAccessToken(): Promise<string> {
    const s = this.store.get();
    if (!s) return this.expire();
    if (s.expiresAt - this.now() > this.margin) return s.accessToken;
    const t = await this.refresh(s.accessToken);
    if (!t) return this.expire();
    return t;
  }

  /**
   * Exchange the refresh token for new tokens, once for all concurrent callers.
   * Resolves to the new access token, or null when the session is over.
   * Throws NetworkError when the server cannot be reached (the session is kept).
   */
  refresh(staleAccessToken: string | null): Promise<string | null> {
    if (this.refreshing) return this.refreshing;
    const run = async (): Promise<string | null> => {
      const s = this.store.get();
      if (!s) return null;
      // Another tab (or an earlier call) already renewed it: use that.
      if (s.accessToken !== staleAccessToken && s.expiresAt - this.now() > this.margin) {
        return s.accessToken;
      }
      const res = await this.send("POST", "/auth/refresh", { body: { refreshToken: s.refreshToken } }, null);
      if (res.ok) {
        const pair = (await res.json()) as TokenPair;
        this.setTokens(pair);
        return pair.accessToken;
      }
      if (res.status >= 500 || res.status === 429) {
        throw await apiErrorFromResponse(res);
      }
      // 400/401/403: the refresh token is spent, revoked or expired.
      this.store.set(null);
      return null;
    };
    this.refreshing = this.lock("shareframe-refresh", run).finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private expire(): never {
    this.store.set(null);
    this.onSessionExpired?.();
    throw new SessionExpiredError();
  }

  private async send(
    method: string,
    path: string,
    opts: RequestOptions,
    token: string | null,
  ): Promise<Response> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (opts.body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = `Bearer ${token}`;
    try {
      return await this.fetchImpl(this.url(path, opts.query), {
        method,
        headers,
        body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
        signal: opts.signal,
      });
    } catch (e) {
      if (e instanceof DOMException && e.name === "AbortError") throw e;
      throw new NetworkError();
    }
  }

  private async parse<T>(res: Response): Promise<T> {
    if (!res.ok) throw await apiErrorFromResponse(res);
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError({ status: res.status, code: "server_error" });
    }
  }
}
