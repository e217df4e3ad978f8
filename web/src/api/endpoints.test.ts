import { afterEach, describe, expect, it, vi } from "vitest";
import { api, call, images, me, shares } from "./endpoints";
import { json, mockApi } from "../test/render";
import type { TokenPair } from "./types";

afterEach(() => {
  vi.unstubAllGlobals();
  api.clearTokens();
});

const session: TokenPair = { accessToken: "A", refreshToken: "R", expiresIn: 900 };

describe("call", () => {
  it("fills the document's path template, encoding each value, and sends query and body", async () => {
    api.setTokens(session);
    const { calls } = mockApi(() => json(204));
    await shares.removeFromFrame("shr_1/..", "frm 2");
    await images.update("img_1", { title: "Sea" });
    await shares.list({ direction: "received", state: "displayed", cursor: undefined });
    expect(calls.map((c) => [c.method, c.path, c.body])).toEqual([
      ["DELETE", "/shares/shr_1%2F../frames/frm%202", undefined],
      ["PATCH", "/images/img_1", { title: "Sea" }],
      ["GET", "/shares?direction=received&state=displayed", undefined],
    ]);
  });

  it("refuses a template value it was not given rather than call a wrong URL", () => {
    // Only reachable by bypassing the types, which require every path parameter.
    const untyped = call as (m: string, p: string, a: object) => Promise<unknown>;
    expect(() => untyped("get", "/frames/{frame_id}", { params: {} })).toThrow("no value for {frame_id}");
  });
});

describe("changing the password", () => {
  it("keeps the new session the API answers with (the change ends every other one)", async () => {
    api.setTokens(session);
    const { calls } = mockApi((m, u) =>
      m === "POST" && u.pathname === "/me/password" ? json(200, { accessToken: "A2", refreshToken: "R2", expiresIn: 900 } satisfies TokenPair) : undefined,
    );
    await me.changePassword("old password", "a new long password");
    expect(calls[0]).toMatchObject({ body: { currentPassword: "old password", newPassword: "a new long password" }, auth: "Bearer A" });
    expect(api.store.get()).toMatchObject({ accessToken: "A2", refreshToken: "R2" });
  });
});
