import { useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { useMutation } from "@tanstack/react-query";
import { auth } from "../../api/endpoints";
import { fieldError } from "../../api/errors";
import { ErrorAlert, Notice } from "../../components/Alert";
import { TextField } from "../../components/Field";
import { PageHeader } from "../../components/PageHeader";

export function ForgotPasswordPage() {
  const [email, setEmail] = useState("");
  const req = useMutation({ mutationFn: () => auth.requestPasswordReset(email.trim()) });
  function submit(e: FormEvent) {
    e.preventDefault();
    req.mutate();
  }
  return (
    <section className="narrow card">
      <PageHeader title="Forgot your password?" />
      {req.isSuccess ? (
        <Notice tone="success">
          If an account uses <strong>{email}</strong>, we've sent it a link to choose a new password. The link works
          for a short time.
        </Notice>
      ) : (
        <form onSubmit={submit}>
          <p>Tell us your email address and we'll send you a link to choose a new password.</p>
          <ErrorAlert error={req.error} />
          <TextField
            label="Email"
            type="email"
            autoComplete="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            error={fieldError(req.error, "email")}
          />
          <button type="submit" className="button-primary button-block" disabled={req.isPending}>
            Send the link
          </button>
        </form>
      )}
      <p>
        <Link to="/login">Back to log in</Link>
      </p>
    </section>
  );
}

export function ResetPasswordPage() {
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [mismatch, setMismatch] = useState(false);
  const reset = useMutation({ mutationFn: () => auth.confirmPasswordReset(token, password) });

  function submit(e: FormEvent) {
    e.preventDefault();
    if (password !== confirm) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    reset.mutate();
  }

  return (
    <section className="narrow card">
      <PageHeader title="Choose a new password" />
      {!token && <Notice tone="warning">This link is missing its code. Open the link from the email again.</Notice>}
      {reset.isSuccess ? (
        <>
          <Notice tone="success">Your password is changed. You can log in with it now.</Notice>
          <p>
            <Link to="/login" className="button button-primary">
              Log in
            </Link>
          </p>
        </>
      ) : (
        <form onSubmit={submit}>
          <ErrorAlert error={reset.error} />
          <TextField
            label="New password"
            type="password"
            autoComplete="new-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            error={fieldError(reset.error, "password")}
          />
          <TextField
            label="New password again"
            type="password"
            autoComplete="new-password"
            required
            value={confirm}
            onChange={(e) => setConfirm(e.target.value)}
            error={mismatch ? "The two passwords are not the same." : undefined}
          />
          <button type="submit" className="button-primary button-block" disabled={reset.isPending || !token}>
            Save new password
          </button>
        </form>
      )}
    </section>
  );
}
