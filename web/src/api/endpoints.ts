// One function per endpoint the web app uses, each typed by the OpenAPI document (see call()).

import { ApiClient, localStorageTokenStore, memoryTokenStore, type RequestOptions } from "./client";
import type { paths } from "./openapi.gen";
import type * as T from "./types";
import type { Method, PathParams, PathWith, QueryParams, RequestBody, ResponseBody } from "./types";

function defaultStore() {
  try {
    window.localStorage.getItem("x");
    return localStorageTokenStore();
  } catch {
    return memoryTokenStore();
  }
}

/** The app's client. Its base URL is set at startup from /config.json (see config.ts). */
export const api = new ApiClient({ store: defaultStore() });

/**
 * One call of the document's operation `method path`: the path must exist with that method, and
 * the path parameters, query, body and answer have the document's types (types.ts).
 */
export function call<M extends Method, P extends PathWith<M>>(method: M, path: P, ...[args]: OptionalIfEmpty<CallArgs<P, M>>): Promise<ResponseBody<P, M>> {
  const a = (args ?? {}) as { params?: Record<string, string>; query?: RequestOptions["query"]; body?: unknown; auth?: boolean };
  const url = path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = a.params?.[name];
    if (value === undefined) throw new Error(`${path}: no value for {${name}}`);
    return encodeURIComponent(value);
  });
  return api.request<ResponseBody<P, M>>(method.toUpperCase(), url, { query: a.query, body: a.body, auth: a.auth });
}

type CallArgs<P extends keyof paths, M extends Method> = { auth?: boolean } & (PathParams<P, M> extends undefined
  ? { params?: undefined }
  : { params: PathParams<P, M> }) &
  (undefined extends QueryParams<P, M> ? { query?: QueryParams<P, M> } : { query: QueryParams<P, M> }) &
  (undefined extends RequestBody<P, M> ? { body?: RequestBody<P, M> } : { body: RequestBody<P, M> });
type OptionalIfEmpty<A> = Partial<A> extends A ? [args?: A] : [args: A];

const PUBLIC = { auth: false } as const;

// ---- Auth
export const auth = {
  register: (body: T.RegisterBody) => call("post", "/auth/register", { body, ...PUBLIC }),
  verify: (token: string) => call("post", "/auth/verify", { body: { token }, ...PUBLIC }),
  cancelEmailChange: (token: string) => call("post", "/auth/email-change/cancel", { body: { token }, ...PUBLIC }),
  resendVerification: (email: string) => call("post", "/auth/resend-verification", { body: { email }, ...PUBLIC }),
  async login(email: string, password: string): Promise<T.LoginResult> {
    const r = await call("post", "/auth/login", { body: { email, password }, ...PUBLIC });
    api.setTokens(r);
    return r;
  },
  async logout(): Promise<void> {
    const s = api.store.get();
    api.clearTokens();
    if (s) {
      try {
        await call("post", "/auth/logout", { body: { refreshToken: s.refreshToken }, ...PUBLIC });
      } catch {
        // the tokens are gone locally either way
      }
    }
  },
  requestPasswordReset: (email: string) => call("post", "/auth/password-reset", { body: { email }, ...PUBLIC }),
  confirmPasswordReset: (token: string, password: string) =>
    call("post", "/auth/password-reset/confirm", { body: { token, password }, ...PUBLIC }),
};

// ---- Me
export const me = {
  get: () => call("get", "/me"),
  update: (body: T.MePatch) => call("patch", "/me", { body }),
  cancelPendingEmail: () => call("delete", "/me/pending-email"),
  /** The answer is a new session: the old refresh tokens stop working. */
  async changePassword(currentPassword: string, newPassword: string): Promise<void> {
    api.setTokens(await call("post", "/me/password", { body: { currentPassword, newPassword } }));
  },
  export: () => call("post", "/me/export"),
  delete: (password: string) => call("delete", "/me", { body: { password } }),
};

// ---- Images
export const images = {
  create: (body: T.CreateImageBody) => call("post", "/images", { body }),
  list: (cursor?: string | null, limit = 30) => call("get", "/images", { query: { limit, cursor: cursor ?? undefined } }),
  get: (id: string) => call("get", "/images/{image_id}", { params: { image_id: id } }),
  update: (id: string, body: T.ImagePatch) => call("patch", "/images/{image_id}", { params: { image_id: id }, body }),
  delete: (id: string) => call("delete", "/images/{image_id}", { params: { image_id: id } }),
  framePreview: (id: string, frameId: string, caption: string) =>
    call("get", "/images/{image_id}/frames/{frame_id}/preview", {
      params: { image_id: id, frame_id: frameId },
      query: caption ? { caption } : {},
    }),
  rendition: (id: string, panel: T.Panel, orientation: T.Orientation) =>
    call("get", "/images/{image_id}/renditions/{panel}", { params: { image_id: id, panel }, query: { orientation } }),
};

// ---- Frames
export const frames = {
  claim: (code: string, name: string) => call("post", "/frames", { body: { code, name } }),
  list: () => call("get", "/frames"),
  get: (id: string) => call("get", "/frames/{frame_id}", { params: { frame_id: id } }),
  update: (id: string, body: T.FramePatch) => call("patch", "/frames/{frame_id}", { params: { frame_id: id }, body }),
  unpair: (id: string) => call("delete", "/frames/{frame_id}", { params: { frame_id: id } }),
  items: (id: string) => call("get", "/frames/{frame_id}/items", { params: { frame_id: id } }),
  showNow: (id: string, shareId: string) =>
    call("post", "/frames/{frame_id}/show-now", { params: { frame_id: id }, body: { shareId } }),
  targets: () => call("get", "/frames/targets"),
  firmware: (id: string) => call("get", "/frames/{frame_id}/firmware", { params: { frame_id: id } }),
  updateFirmware: (id: string) => call("post", "/frames/{frame_id}/firmware/update", { params: { frame_id: id } }),
};

// ---- Friends
export const friends = {
  list: () => call("get", "/friends"),
  requests: (direction: "incoming" | "outgoing") => call("get", "/friends/requests", { query: { direction } }),
  request: (friendCode: string) => call("post", "/friends/requests", { body: { friendCode } }),
  requestByEmail: (email: string) => call("post", "/friends/requests", { body: { email } }),
  accept: (userId: string) => call("post", "/friends/requests/{user_id}/accept", { params: { user_id: userId } }),
  reject: (userId: string) => call("post", "/friends/requests/{user_id}/reject", { params: { user_id: userId } }),
  cancel: (userId: string) => call("post", "/friends/requests/{user_id}/cancel", { params: { user_id: userId } }),
  remove: (userId: string) => call("delete", "/friends/{user_id}", { params: { user_id: userId } }),
  blocks: () => call("get", "/blocks"),
  block: (userId: string) => call("post", "/blocks", { body: { userId } }),
  unblock: (userId: string) => call("delete", "/blocks/{user_id}", { params: { user_id: userId } }),
};

// ---- Shares
export type ShareFilter = T.ShareQuery;
export const shares = {
  create: (body: T.CreateShareBody) => call("post", "/shares", { body }),
  list: (query: ShareFilter) => call("get", "/shares", { query }),
  get: (id: string) => call("get", "/shares/{share_id}", { params: { share_id: id } }),
  removeFromFrame: (shareId: string, frameId: string) =>
    call("delete", "/shares/{share_id}/frames/{frame_id}", { params: { share_id: shareId, frame_id: frameId } }),
};

// ---- Dashboard, releases
export const dashboard = {
  get: () => call("get", "/dashboard"),
};

export const notifications = {
  list: (cursor?: string | null, limit = 20) => call("get", "/notifications", { query: { limit, cursor: cursor ?? undefined } }),
  unseen: () => call("get", "/notifications/unseen"),
  markSeen: (upTo: string) => call("post", "/notifications/seen", { body: { upTo } }),
};

export const releases = {
  list: (channel: T.Release["channel"] = "stable") =>
    call("get", "/releases", { query: { channel }, auth: api.isLoggedIn() }),
};

/** Query keys, in one place so invalidation stays consistent. */
export const qk = {
  me: ["me"] as const,
  dashboard: ["dashboard"] as const,
  images: ["images"] as const,
  image: (id: string) => ["images", "one", id] as const,
  rendition: (id: string, panel: string, o: string) => ["images", "rendition", id, panel, o] as const,
  framePreview: (id: string, frameId: string, caption: string) => ["images", "framePreview", id, frameId, caption] as const,
  frames: ["frames"] as const,
  frame: (id: string) => ["frames", "one", id] as const,
  frameItems: (id: string) => ["frames", "items", id] as const,
  firmware: (id: string) => ["frames", "firmware", id] as const,
  targets: ["frames", "targets"] as const,
  friends: ["friends"] as const,
  requests: (d: string) => ["friends", "requests", d] as const,
  blocks: ["friends", "blocks"] as const,
  shares: (d: string) => ["shares", d] as const,
  share: (id: string) => ["shares", "one", id] as const,
  releases: (c: string) => ["releases", c] as const,
  notifications: ["notifications"] as const,
  unseen: ["notifications", "unseen"] as const,
};
