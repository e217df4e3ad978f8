// Errors from the API, and how they are put into words a person understands.

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field?: string;
  readonly retryAfter?: number;
  /** The server's own sentence, if it sent one. */
  readonly serverMessage?: string;

  constructor(opts: {
    status: number;
    code: string;
    message?: string;
    field?: string;
    retryAfter?: number;
  }) {
    super(opts.message || opts.code);
    this.name = "ApiError";
    this.status = opts.status;
    this.code = opts.code;
    this.field = opts.field;
    this.retryAfter = opts.retryAfter;
    this.serverMessage = opts.message;
  }
}

/** Thrown when the browser could not reach the server at all. */
export class NetworkError extends Error {
  constructor(message = "network") {
    super(message);
    this.name = "NetworkError";
  }
}

/** Thrown after the session could not be renewed; the app sends the user to log in. */
export class SessionExpiredError extends Error {
  constructor() {
    super("session_expired");
    this.name = "SessionExpiredError";
  }
}

/** An error raised in the browser whose message is already written for the user. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UserError";
  }
}

/** Build an ApiError from a fetch Response whose status is not ok. */
export async function apiErrorFromResponse(res: Response): Promise<ApiError> {
  let code = "";
  let message: string | undefined;
  let field: string | undefined;
  try {
    const text = await res.text();
    if (text) {
      const body = JSON.parse(text) as unknown;
      const err = (body as { error?: unknown }).error;
      if (err && typeof err === "object") {
        const e = err as Record<string, unknown>;
        if (typeof e.code === "string") code = e.code;
        if (typeof e.message === "string") message = e.message;
        if (typeof e.field === "string") field = e.field;
      }
    }
  } catch {
    // not JSON (a proxy's HTML page, an empty body): fall back on the status
  }
  const ra = res.headers.get("Retry-After");
  const retryAfter = ra && /^\d+$/.test(ra) ? Number(ra) : undefined;
  return new ApiError({
    status: res.status,
    code: code || codeForStatus(res.status),
    message,
    field,
    retryAfter,
  });
}

export function codeForStatus(status: number): string {
  switch (status) {
    case 400:
      return "validation_failed";
    case 401:
      return "unauthorized";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 409:
      return "conflict";
    case 413: // API Gateway's own answer to a body over its limit; the API has no such code
      return "payload_too_large";
    case 429:
      return "rate_limited";
    default:
      return status >= 500 ? "server_error" : "unknown";
  }
}

function waitWords(seconds: number | undefined): string {
  if (!seconds || seconds <= 0) return "a moment";
  if (seconds < 60) return `${seconds} second${seconds === 1 ? "" : "s"}`;
  const m = Math.ceil(seconds / 60);
  return `${m} minute${m === 1 ? "" : "s"}`;
}

/** Codes whose wording we prefer over the server's, because they need a next step. */
const FIXED: Record<string, string> = {
  invalid_credentials: "That email and password don't match. Check them and try again.",
  email_not_verified:
    "Please confirm your email address first. We sent you a link when you signed up.",
  payload_too_large: "That photo is too large. Photos can be up to 25 MB.",
  bad_json: "Something went wrong sending your request. Please reload the page and try again.",
};

/** Fallback sentences when the server sent none. */
const BY_CODE: Record<string, string> = {
  validation_failed: "Some of the information isn't right. Please check and try again.",
  unauthorized: "Please log in again.",
  forbidden: "You're not allowed to do that.",
  not_found: "We couldn't find that. It may have been removed.",
  conflict: "That clashes with something that already exists.",
  quota_exceeded: "You've reached the limit for this. Remove something and try again.",
  server_error: "Something went wrong on our side. Please try again in a moment.",
};

/** The sentence to show a user for any error thrown by the app's API calls. */
export function userMessage(err: unknown): string {
  if (err instanceof NetworkError) {
    return "We can't reach Shareframe right now. Check your internet connection and try again.";
  }
  if (err instanceof SessionExpiredError) {
    return "Your session has ended. Please log in again.";
  }
  if (err instanceof ApiError) {
    if (err.code === "rate_limited" || err.status === 429) {
      return `Too many attempts. Please wait ${waitWords(err.retryAfter)} and try again.`;
    }
    const fixed = FIXED[err.code];
    if (fixed) return fixed;
    if (err.status >= 500) return BY_CODE.server_error!;
    if (err.serverMessage && err.serverMessage !== err.code) return err.serverMessage;
    return BY_CODE[err.code] ?? BY_CODE[codeForStatus(err.status)] ?? "Something went wrong. Please try again.";
  }
  if (err instanceof UserError) {
    return err.message;
  }
  return "Something went wrong. Please try again.";
}

/** The error message for one form field, if the API blamed that field. */
export function fieldError(err: unknown, field: string): string | undefined {
  if (err instanceof ApiError && err.field === field) return userMessage(err);
  return undefined;
}
