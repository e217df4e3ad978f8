import { describe, expect, it } from "vitest";
import { ApiError, NetworkError, SessionExpiredError, UserError, apiErrorFromResponse, fieldError, userMessage } from "./errors";

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });

describe("apiErrorFromResponse", () => {
  it("reads code, message and field from the error body", async () => {
    const e = await apiErrorFromResponse(
      json(400, { error: { code: "validation_failed", message: "displayName must be 1-60 characters.", field: "displayName" } }),
    );
    expect(e).toBeInstanceOf(ApiError);
    expect([e.status, e.code, e.field]).toEqual([400, "validation_failed", "displayName"]);
    expect(userMessage(e)).toBe("displayName must be 1-60 characters.");
    expect(fieldError(e, "displayName")).toBe("displayName must be 1-60 characters.");
    expect(fieldError(e, "email")).toBeUndefined();
  });

  it("copes with a body that is not JSON", async () => {
    const e = await apiErrorFromResponse(new Response("<html>Bad gateway</html>", { status: 502 }));
    expect(e.code).toBe("server_error");
    expect(userMessage(e)).toMatch(/on our side/);
  });

  it("keeps Retry-After for rate limits", async () => {
    const e = await apiErrorFromResponse(json(429, { error: { code: "rate_limited", message: "Slow down." } }, { "Retry-After": "30" }));
    expect(e.retryAfter).toBe(30);
    expect(userMessage(e)).toBe("Too many attempts. Please wait 30 seconds and try again.");
  });
});

describe("userMessage", () => {
  it("uses our own words where the user needs a next step", () => {
    expect(userMessage(new ApiError({ status: 401, code: "invalid_credentials", message: "Invalid credentials." }))).toMatch(
      /email and password don't match/,
    );
    expect(userMessage(new ApiError({ status: 403, code: "email_not_verified" }))).toMatch(/confirm your email/);
    expect(userMessage(new ApiError({ status: 413, code: "payload_too_large" }))).toMatch(/25 MB/);
  });

  it("uses the server's sentence otherwise, and a sentence per code when there is none", () => {
    expect(userMessage(new ApiError({ status: 409, code: "quota_exceeded", message: "You have 500 photos already." }))).toBe(
      "You have 500 photos already.",
    );
    expect(userMessage(new ApiError({ status: 404, code: "not_found" }))).toMatch(/couldn't find/);
    expect(userMessage(new ApiError({ status: 409, code: "conflict" }))).toMatch(/clashes/);
    expect(userMessage(new ApiError({ status: 500, code: "internal", message: "Traceback..." }))).toMatch(/on our side/);
  });

  it("explains network failures, ended sessions and browser-side problems", () => {
    expect(userMessage(new NetworkError())).toMatch(/can't reach/);
    expect(userMessage(new SessionExpiredError())).toMatch(/log in again/);
    expect(userMessage(new UserError("That file is empty."))).toBe("That file is empty.");
  });

  it("never shows a programming error's text", () => {
    expect(userMessage(new TypeError("x is undefined"))).toBe("Something went wrong. Please try again.");
    expect(userMessage("nope")).toBe("Something went wrong. Please try again.");
  });

  it("words rate limits in minutes when long", () => {
    expect(userMessage(new ApiError({ status: 429, code: "rate_limited", retryAfter: 120 }))).toMatch(/2 minutes/);
    expect(userMessage(new ApiError({ status: 429, code: "rate_limited" }))).toMatch(/a moment/);
  });
});
