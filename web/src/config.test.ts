import { describe, expect, it, vi } from "vitest";
import { loadConfig } from "./config";

const res = (status: number, body: string) => new Response(body, { status });

describe("loadConfig", () => {
  it("takes apiUrl from /config.json, without a trailing slash", async () => {
    const f = vi.fn(async () => res(200, '{"apiUrl": "https://api.example.org/prod/"}'));
    await expect(loadConfig(f as unknown as typeof fetch, "http://env", "/")).resolves.toEqual({ apiUrl: "https://api.example.org/prod" });
    expect((f.mock.calls[0] as unknown[])[0]).toBe("/config.json");
  });

  it("falls back to VITE_API_URL when config.json is missing or useless", async () => {
    await expect(loadConfig((async () => res(404, "")) as unknown as typeof fetch, "http://127.0.0.1:8000", "/")).resolves.toEqual({
      apiUrl: "http://127.0.0.1:8000",
    });
    await expect(loadConfig((async () => res(200, "<html>")) as unknown as typeof fetch, "http://env/", "/")).resolves.toEqual({
      apiUrl: "http://env",
    });
    await expect(loadConfig((async () => { throw new TypeError("offline"); }) as unknown as typeof fetch, "http://env", "/")).resolves.toEqual({
      apiUrl: "http://env",
    });
  });

  it("falls back to the page's origin last", async () => {
    await expect(loadConfig((async () => res(404, "")) as unknown as typeof fetch, undefined, "/")).resolves.toEqual({
      apiUrl: window.location.origin,
    });
  });

  it("looks for config.json under the app's base path", async () => {
    const f = vi.fn(async () => res(404, ""));
    await loadConfig(f as unknown as typeof fetch, undefined, "/app");
    expect((f.mock.calls[0] as unknown[])[0]).toBe("/app/config.json");
  });
});
