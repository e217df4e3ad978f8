import { useState, type FormEvent } from "react";
import { Link } from "react-router-dom";
import { useMutation } from "@tanstack/react-query";
import { auth } from "../../api/endpoints";
import { fieldError } from "../../api/errors";
import { ErrorAlert, Notice } from "../../components/Alert";
import { TextField } from "../../components/Field";
import { PageHeader } from "../../components/PageHeader";

export function SignUpPage() {
  const [displayName, setDisplayName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const register = useMutation({
    mutationFn: () => auth.register({ displayName: displayName.trim(), email: email.trim(), password }),
  });
  const resend = useMutation({ mutationFn: () => auth.resendVerification(email.trim()) });

  function submit(e: FormEvent) {
    e.preventDefault();
    register.mutate();
  }

  if (register.isSuccess) {
    return (
      <section className="narrow card">
        <PageHeader title="Check your email" />
        <p>
          We sent a link to <strong>{register.data.email}</strong>. Open it to confirm your address, then log in.
        </p>
        <p className="hint">
          The link works for 24 hours: an account not confirmed by then is removed, and you can sign up again. No email
          after a few minutes? Look in your spam folder, or send it again.
        </p>
        <div className="inline-actions">
          <button type="button" className="button-secondary" onClick={() => resend.mutate()} disabled={resend.isPending}>
            Send the link again
          </button>
          <Link to="/login" className="button">
            Go to log in
          </Link>
        </div>
        {resend.isSuccess && <Notice tone="success">Sent again.</Notice>}
        <ErrorAlert error={resend.error} />
      </section>
    );
  }

  return (
    <section className="narrow card">
      <PageHeader title="Create your account" />
      <p>Free for families. You'll confirm your email address before your first log in.</p>
      <form onSubmit={submit}>
        <ErrorAlert error={register.error} />
        <TextField
          label="Your name"
          hint="Shown to friends and on frames next to photos you send."
          name="displayName"
          autoComplete="name"
          required
          maxLength={60}
          value={displayName}
          onChange={(e) => setDisplayName(e.target.value)}
          error={fieldError(register.error, "displayName")}
        />
        <TextField
          label="Email"
          type="email"
          name="email"
          autoComplete="email"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          error={fieldError(register.error, "email")}
        />
        <TextField
          label="Password"
          type="password"
          name="new-password"
          autoComplete="new-password"
          hint="Use a long password you don't use anywhere else."
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={fieldError(register.error, "password")}
        />
        <button type="submit" className="button-primary button-block" disabled={register.isPending}>
          {register.isPending ? "Creating your account…" : "Create account"}
        </button>
      </form>
      <p>
        Already have an account? <Link to="/login">Log in</Link>
      </p>
    </section>
  );
}
