import { afterEach, describe, expect, it, vi } from "vitest";
import { screen, fireEvent, waitFor } from "@testing-library/react";
import axe from "axe-core";
import { Routes, Route, useLocation } from "react-router-dom";
import { App } from "../App";
import { api } from "../api/endpoints";
import type { LoginResult, Share } from "../api/types";
import { LandingPage } from "./landing/LandingPage";
import { LoginPage } from "./auth/LoginPage";
import { SignUpPage } from "./auth/SignUpPage";
import ShareStatusPage from "./send/ShareStatusPage";
import { json, mockApi, renderAt } from "../test/render";

afterEach(() => {
  vi.unstubAllGlobals();
  api.clearTokens();
});

function Where() {
  const l = useLocation();
  return <p data-testid="where">{l.pathname + l.search}</p>;
}

async function seriousViolations(container: HTMLElement) {
  const r = await axe.run(container, { rules: { "color-contrast": { enabled: false }, region: { enabled: false } } });
  return r.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.help}`);
}

describe("log in", () => {
  it("shows a wrong password in plain words", async () => {
    mockApi((m, u) =>
      m === "POST" && u.pathname === "/auth/login" ? json(401, { error: { code: "invalid_credentials", message: "Invalid." } }) : undefined,
    );
    renderAt(<LoginPage />, "/login");
    fireEvent.change(screen.getByLabelText("Email"), { target: { value: "ana@example.org" } });
    fireEvent.change(screen.getByLabelText("Password"), { target: { value: "wrong" } });
    fireEvent.click(screen.getByRole("button", { name: "Log in" }));
    expect((await screen.findByRole("alert")).textContent).toMatch(/email and password don't match/);
  });

  it("offers to resend the link when the email is not confirmed", async () => {
    const { calls } = mockApi((_m, u) => {
      if (u.pathname === "/auth/login") return json(403, { error: { code: "email_not_verified", message: "x" } });
      if (u.pathname === "/auth/resend-verification") return json(202, {});
      return undefined;
    });
    renderAt(<LoginPage />, "/login");
    fireEvent.change(screen.getByLabelText("Email"), { target: { value: "ana@example.org" } });
    fireEvent.change(screen.getByLabelText("Password"), { target: { value: "pw" } });
    fireEvent.click(screen.getByRole("button", { name: "Log in" }));
    fireEvent.click(await screen.findByRole("button", { name: /Send the confirmation link again/ }));
    await screen.findByText(/Sent\. Check your inbox/);
    expect(calls.at(-1)).toMatchObject({ path: "/auth/resend-verification", body: { email: "ana@example.org" } });
  });

  it("stores the tokens and returns to the remembered page", async () => {
    mockApi((_m, u) =>
      u.pathname === "/auth/login"
        ? json(200, {
            accessToken: "A",
            refreshToken: "R",
            expiresIn: 900,
            user: {
              userId: "usr_1",
              email: "ana@example.org",
              pendingEmail: null,
              displayName: "Ana",
              friendCode: "AB12CD34",
              timeZone: "Europe/Berlin",
              findable: true,
              notifications: { friendRequest: true, photoDisplayed: false, frameOffline: true },
              photoCount: 0,
              createdAt: "2026-11-01T10:00:00Z",
            },
          } satisfies LoginResult)
        : undefined,
    );
    renderAt(
      <Routes>
        <Route path="/login" element={<LoginPage />} />
        <Route path="*" element={<Where />} />
      </Routes>,
      "/login?next=%2Ffriends%2Fadd%3Fcode%3DAB12",
    );
    fireEvent.change(screen.getByLabelText("Email"), { target: { value: "ana@example.org" } });
    fireEvent.change(screen.getByLabelText("Password"), { target: { value: "pw" } });
    fireEvent.click(screen.getByRole("button", { name: "Log in" }));
    expect((await screen.findByTestId("where")).textContent).toBe("/friends/add?code=AB12");
    expect(api.store.get()?.refreshToken).toBe("R");
  });
});

describe("routes", () => {
  it("sends a logged-out visitor of a private page to log in, remembering it", async () => {
    mockApi(() => undefined);
    renderAt(<App />, "/frames/claim?code=K7QM-T4ZP");
    await screen.findByRole("heading", { name: "Log in" });
    expect(screen.getByText("Please log in to continue.")).toBeTruthy();
  });

  it("prefills the pairing code from the frame's QR link", async () => {
    api.setTokens({ accessToken: "A", refreshToken: "R", expiresIn: 900 });
    mockApi(() => undefined);
    renderAt(<App />, "/frames/claim?code=k7qmt4zp");
    const input = (await screen.findByLabelText(/Code on the frame/)) as HTMLInputElement;
    expect(input.value).toBe("K7QM-T4ZP");
  });
});

describe("watching a sent photo", () => {
  it("shows each frame's state in words and how many have displayed it", async () => {
    api.setTokens({ accessToken: "A", refreshToken: "R", expiresIn: 900 });
    mockApi((_m, u) =>
      u.pathname === "/shares/shr_1"
        ? json(200, {
            shareId: "shr_1",
            imageId: "img_1",
            senderId: "usr_1",
            senderName: "Ana",
            caption: "Hello",
            createdAt: "2026-11-25T12:00:00Z",
            expiresAt: null,
            deliveries: [
              { frameId: "frm_1", frameName: "Kitchen", ownerId: "usr_1", state: "displayed", displayedAt: "2026-11-25T12:00:05Z" },
              { frameId: "frm_2", frameName: "Gran", ownerId: "usr_2", state: "queued" },
            ],
          } satisfies Share)
        : undefined,
    );
    renderAt(
      <Routes>
        <Route path="/shares/:shareId" element={<ShareStatusPage />} />
      </Routes>,
      "/shares/shr_1",
    );
    expect((await screen.findByText(/Displayed on 1 of 2 frames/)).textContent).toMatch(/updates by itself/);
    expect(screen.getByRole("button", { name: "Remove from Gran" })).toBeTruthy();
    expect(screen.getAllByText("Queued").length).toBeGreaterThan(0);
  });
});

describe("accessibility (axe-core, structure only: jsdom has no layout for contrast)", () => {
  it.each([
    ["landing", <LandingPage />],
    ["log in", <LoginPage />],
    ["sign up", <SignUpPage />],
  ])("%s has no serious violations", async (_name, ui) => {
    mockApi(() => undefined);
    const { container } = renderAt(ui);
    await waitFor(() => expect(container.querySelector("h1")).toBeTruthy());
    expect(await seriousViolations(container)).toEqual([]);
  });
});
