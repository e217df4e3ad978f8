import { afterEach, expect, it, vi } from "vitest";
import { screen, waitFor } from "@testing-library/react";
import { api, notifications, qk } from "../../api/endpoints";
import { json, renderAt } from "../../test/render";
import NotificationsPage from "./NotificationsPage";

afterEach(() => {
  vi.unstubAllGlobals();
  api.clearTokens();
});

it("a badge count asked for before the page marked everything seen does not bring the badge back", async () => {
  // The layout asks for the count on every page load; here its answer (taken before the mark)
  // arrives only after the page has marked the newest entry seen.
  let answerCount: (r: Response) => void = () => {};
  const lateCount = new Promise<Response>((resolve) => (answerCount = resolve));
  let marked = false;
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = new URL(String(input), "http://localhost");
      if (url.pathname === "/notifications/unseen") return lateCount;
      if (url.pathname === "/notifications/seen" && init?.method === "POST") {
        marked = true;
        return json(204);
      }
      if (url.pathname === "/notifications")
        return json(200, {
          items: [{ id: "2026-11-30T10:00:00.000000Z#a1", new: true, type: "photo_received", at: "2026-11-30T10:00:00Z", shareId: "shr_1", userId: "usr_2", fromName: "Ben" }],
          nextCursor: null,
        });
      if (url.pathname === "/friends") return json(200, { items: [], nextCursor: null });
      return json(404, { error: { code: "not_found", message: "Not here." } });
    }),
  );
  api.setTokens({ accessToken: "A", refreshToken: "R", expiresIn: 900 });
  const { qc } = renderAt(<NotificationsPage />, "/notifications");
  const count = qc.fetchQuery({ queryKey: qk.unseen, queryFn: notifications.unseen }).catch(() => undefined);
  await screen.findByText("Ben sent you a photo");
  await waitFor(() => expect(marked).toBe(true));
  await waitFor(() => expect(qc.getQueryData(qk.unseen)).toEqual({ unseen: 0 }));
  answerCount(json(200, { unseen: 1 }));
  await count;
  await new Promise((r) => setTimeout(r, 10));
  expect(qc.getQueryData(qk.unseen)).toEqual({ unseen: 0 });
});
