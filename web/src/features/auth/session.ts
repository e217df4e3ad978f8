import { useSyncExternalStore } from "react";
import { api } from "../../api/endpoints";

/** True while tokens are stored (this tab or another). */
export function useLoggedIn(): boolean {
  return useSyncExternalStore(
    (l) => api.store.subscribe(l),
    () => api.store.get() !== null,
    () => false,
  );
}

/** Where to go after logging in: only paths inside this app. */
export function safeNext(next: string | null | undefined, fallback = "/dashboard"): string {
  if (!next) return fallback;
  if (!next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return fallback;
  if (/^\/(login|signup|logout)\b/.test(next)) return fallback;
  return next;
}

export function loginPathFor(location: { pathname: string; search: string; hash?: string }): string {
  const here = location.pathname + location.search + (location.hash ?? "");
  return `/login?next=${encodeURIComponent(here)}`;
}

const PUBLIC_PATHS = /^\/(login|signup|verify|reset|forgot-password|releases)?\/?$/;

/** Pages anyone may see; an ended session never redirects away from them. */
export function isPublicPath(pathname: string): boolean {
  return PUBLIC_PATHS.test(pathname);
}

// While the user is deliberately leaving (log out, account deleted), private pages must not
// send them to log in: the tokens go away a moment before the navigation to "/" commits.
let leaving = false;
export const signingOut = {
  get active(): boolean {
    return leaving;
  },
  start(): void {
    leaving = true;
  },
  done(): void {
    leaving = false;
  },
};
