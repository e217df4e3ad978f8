// Typed calls for every endpoint of docs/api.md the web app uses.

import { ApiClient, localStorageTokenStore, memoryTokenStore } from "./client";
import type * as T from "./types";

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

const enc = encodeURIComponent;

// ---- Auth
export const auth = {
  register: (b: T.RegisterBody) => api.post<T.RegisterResult>("/auth/register", b, { auth: false }),
  verify: (token: string) => api.post<{ verified: true }>("/auth/verify", { token }, { auth: false }),
  cancelEmailChange: (token: string) =>
    api.post<{ cancelled: true; sessionsEnded: true }>("/auth/email-change/cancel", { token }, { auth: false }),
  resendVerification: (email: string) =>
    api.post<void>("/auth/resend-verification", { email }, { auth: false }),
  async login(email: string, password: string): Promise<T.LoginResult> {
    const r = await api.post<T.LoginResult>("/auth/login", { email, password }, { auth: false });
    api.setTokens(r);
    return r;
  },
  async logout(): Promise<void> {
    const s = api.store.get();
    api.clearTokens();
    if (s) {
      try {
        await api.post<void>("/auth/logout", { refreshToken: s.refreshToken }, { auth: false });
      } catch {
        // the tokens are gone locally either way
      }
    }
  },
  requestPasswordReset: (email: string) =>
    api.post<void>("/auth/password-reset", { email }, { auth: false }),
  confirmPasswordReset: (token: string, password: string) =>
    api.post<void>("/auth/password-reset/confirm", { token, password }, { auth: false }),
};

// ---- Me
export const me = {
  get: () => api.get<T.Me>("/me"),
  update: (p: T.MePatch) => api.patch<T.Me>("/me", p),
  cancelPendingEmail: () => api.delete<T.Me>("/me/pending-email"),
  changePassword: (currentPassword: string, newPassword: string) =>
    api.post<void>("/me/password", { currentPassword, newPassword }),
  export: () => api.post<{ exportId: string }>("/me/export"),
  delete: (password: string) => api.delete<void>("/me", { password }),
};

// ---- Images
export const images = {
  create: (b: T.CreateImageBody) => api.post<T.CreateImageResult>("/images", b),
  list: (cursor?: string | null, limit = 30) =>
    api.get<T.Page<T.Image>>("/images", { query: { limit, cursor } }),
  get: (id: string) => api.get<T.Image>(`/images/${enc(id)}`),
  update: (id: string, p: { title?: string; focalPoint?: T.FocalPoint }) =>
    api.patch<T.Image>(`/images/${enc(id)}`, p),
  delete: (id: string) => api.delete<T.DeleteImageResult>(`/images/${enc(id)}`),
  framePreview: (id: string, frameId: string, caption: string) =>
    api.get<T.FramePreview>(`/images/${enc(id)}/frames/${enc(frameId)}/preview`, { query: caption ? { caption } : {} }),
  rendition: (id: string, panel: string, orientation: T.Orientation) =>
    api.get<T.Rendition>(`/images/${enc(id)}/renditions/${enc(panel)}`, { query: { orientation } }),
};

// ---- Frames
export const frames = {
  claim: (code: string, name: string) => api.post<T.Frame>("/frames", { code, name }),
  list: () => api.get<T.ItemList<T.Frame>>("/frames"),
  get: (id: string) => api.get<T.Frame>(`/frames/${enc(id)}`),
  update: (id: string, p: T.FramePatch) => api.patch<T.Frame>(`/frames/${enc(id)}`, p),
  unpair: (id: string) => api.delete<void>(`/frames/${enc(id)}`),
  items: (id: string) => api.get<T.ItemList<T.Delivery>>(`/frames/${enc(id)}/items`),
  showNow: (id: string, shareId: string) => api.post<void>(`/frames/${enc(id)}/show-now`, { shareId }),
  targets: () => api.get<T.ItemList<T.FrameTarget>>("/frames/targets"),
  firmware: (id: string) => api.get<T.FirmwareInfo>(`/frames/${enc(id)}/firmware`),
  updateFirmware: (id: string) => api.post<void>(`/frames/${enc(id)}/firmware/update`),
};

// ---- Friends
export const friends = {
  list: () => api.get<T.ItemList<T.Friend>>("/friends"),
  requests: (direction: "incoming" | "outgoing") =>
    api.get<T.ItemList<T.FriendRequest>>("/friends/requests", { query: { direction } }),
  request: (friendCode: string) => api.post<{ requestId: string }>("/friends/requests", { friendCode }),
  requestByEmail: (email: string) => api.post<{ requestId: string }>("/friends/requests", { email }),
  accept: (id: string) => api.post<void>(`/friends/requests/${enc(id)}/accept`),
  reject: (id: string) => api.post<void>(`/friends/requests/${enc(id)}/reject`),
  cancel: (id: string) => api.post<void>(`/friends/requests/${enc(id)}/cancel`),
  remove: (userId: string) => api.delete<void>(`/friends/${enc(userId)}`),
  blocks: () => api.get<T.ItemList<T.Block>>("/blocks"),
  block: (userId: string) => api.post<void>("/blocks", { userId }),
  unblock: (userId: string) => api.delete<void>(`/blocks/${enc(userId)}`),
};

// ---- Shares
export interface ShareFilter {
  direction: "sent" | "received";
  frameId?: string;
  userId?: string;
  state?: T.DeliveryState;
  limit?: number;
  cursor?: string | null;
}
export const shares = {
  create: (b: T.CreateShareBody) => api.post<T.Share>("/shares", b),
  list: (f: ShareFilter) => api.get<T.Page<T.Share>>("/shares", { query: { ...f } }),
  get: (id: string) => api.get<T.Share>(`/shares/${enc(id)}`),
  removeFromFrame: (shareId: string, frameId: string) =>
    api.delete<void>(`/shares/${enc(shareId)}/frames/${enc(frameId)}`),
};

// ---- Dashboard, releases
export const dashboard = {
  get: () => api.get<T.Dashboard>("/dashboard"),
};

export const releases = {
  async list(channel = "stable"): Promise<T.Release[]> {
    const r = await api.get<T.Release[] | { items: T.Release[] }>("/releases", { query: { channel }, auth: api.isLoggedIn() });
    return Array.isArray(r) ? r : (r?.items ?? []);
  },
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
};
