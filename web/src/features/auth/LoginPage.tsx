import { useState, type FormEvent } from "react";
import { Link, Navigate, useLocation, useNavigate, useSearchParams } from "react-router-dom";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { auth } from "../../api/endpoints";
import { ApiError, fieldError } from "../../api/errors";
import { ErrorAlert, Notice } from "../../components/Alert";
import { TextField } from "../../components/Field";
import { PageHeader } from "../../components/PageHeader";
import { safeNext, useLoggedIn } from "./session";

export function LoginPage() {
  const [params] = useSearchParams();
  const location = useLocation();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const loggedIn = useLoggedIn();
  const next = safeNext(params.get("next"));
  const expired = Boolean((location.state as { expired?: boolean } | null)?.expired) || params.has("next");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");

  const login = useMutation({
    mutationFn: () => auth.login(email.trim(), password),
    onSuccess: () => {
      qc.clear();
      navigate(next, { replace: true });
    },
  });
  const resend = useMutation({ mutationFn: () => auth.resendVerification(email.trim()) });

  if (loggedIn && !login.isPending && !login.isSuccess) return <Navigate to={next} replace />;

  // The contract's code is email_not_verified; a 403 from login can mean nothing else.
  const notVerified =
    login.error instanceof ApiError && (login.error.code === "email_not_verified" || login.error.status === 403);

  function submit(e: FormEvent) {
    e.preventDefault();
    login.mutate();
  }

  return (
    <section className="narrow card">
      <PageHeader title="Log in" />
      {expired && !login.error && <Notice>Please log in to continue.</Notice>}
      <form onSubmit={submit} noValidate={false}>
        <ErrorAlert error={login.error} />
        {notVerified && (
          <div className="inline-actions">
            <button type="button" className="button-secondary" onClick={() => resend.mutate()} disabled={resend.isPending}>
              Send the confirmation link again
            </button>
            {resend.isSuccess && (
              <span role="status">Sent. Check your inbox: confirm within 24 hours of signing up, or the account is removed.</span>
            )}
          </div>
        )}
        <TextField
          label="Email"
          type="email"
          name="email"
          autoComplete="email"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          error={fieldError(login.error, "email")}
        />
        <TextField
          label="Password"
          type="password"
          name="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={fieldError(login.error, "password")}
        />
        <button type="submit" className="button-primary button-block" disabled={login.isPending}>
          {login.isPending ? "Logging in…" : "Log in"}
        </button>
      </form>
      <p>
        <Link to="/forgot-password">Forgot your password?</Link>
      </p>
      <p>
        New to Shareframe? <Link to="/signup">Create an account</Link>
      </p>
    </section>
  );
}
