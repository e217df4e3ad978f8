// Runtime configuration. The same build serves the local cloud and AWS: the API's address comes
// from /config.json ({"apiUrl": "..."}) served next to index.html, written by whoever serves the
// app. Without it, the build-time VITE_API_URL is used, and last the page's own origin.

export interface AppConfig {
  apiUrl: string;
}

export async function loadConfig(
  fetchImpl: typeof fetch = (...a) => globalThis.fetch(...a),
  envUrl: string | undefined = import.meta.env.VITE_API_URL as string | undefined,
  base: string = import.meta.env.BASE_URL ?? "/",
): Promise<AppConfig> {
  try {
    const res = await fetchImpl(`${base.replace(/\/?$/, "/")}config.json`, { cache: "no-store" });
    if (res.ok) {
      const body = (await res.json()) as { apiUrl?: unknown };
      if (typeof body.apiUrl === "string" && body.apiUrl.trim()) {
        return { apiUrl: body.apiUrl.trim().replace(/\/+$/, "") };
      }
    }
  } catch {
    // no config.json (or not JSON): fall through
  }
  if (envUrl && envUrl.trim()) return { apiUrl: envUrl.trim().replace(/\/+$/, "") };
  return { apiUrl: typeof window !== "undefined" ? window.location.origin : "" };
}
