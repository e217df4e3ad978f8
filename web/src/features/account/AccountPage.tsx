import { useEffect, useState, type FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { me as meApi, qk } from "../../api/endpoints";
import { useSignOut } from "../auth/useSignOut";
import { fieldError } from "../../api/errors";
import type { Me, MePatch, NotificationPrefs } from "../../api/types";
import { ErrorAlert, Loading, Notice } from "../../components/Alert";
import { CheckboxField, TextField } from "../../components/Field";
import { PageHeader } from "../../components/PageHeader";
import { timeZones } from "../frames/frameSettings";

function useSaveMe() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (p: MePatch) => meApi.update(p),
    onSuccess: (m) => qc.setQueryData(qk.me, m),
  });
}

function ProfileCard({ me }: { me: Me }) {
  const [name, setName] = useState(me.displayName);
  const [tz, setTz] = useState(me.timeZone);
  useEffect(() => {
    setName(me.displayName);
    setTz(me.timeZone);
  }, [me.displayName, me.timeZone]);
  const save = useSaveMe();
  function submit(e: FormEvent) {
    e.preventDefault();
    const p: MePatch = {};
    if (name.trim() !== me.displayName) p.displayName = name.trim();
    if (tz !== me.timeZone) p.timeZone = tz;
    if (Object.keys(p).length) save.mutate(p);
  }
  return (
    <section className="card" aria-labelledby="profile-title">
      <h2 id="profile-title">Profile</h2>
      <form onSubmit={submit}>
        <ErrorAlert error={save.isError && !fieldError(save.error, "displayName") && !fieldError(save.error, "timeZone") ? save.error : null} />
        <TextField label="Your name" value={name} maxLength={60} required onChange={(e) => setName(e.target.value)} error={fieldError(save.error, "displayName")} />
        <TextField label="Time zone" list="account-tz" value={tz} onChange={(e) => setTz(e.target.value)} error={fieldError(save.error, "timeZone")} />
        <datalist id="account-tz">
          {timeZones().map((z) => (
            <option key={z} value={z} />
          ))}
        </datalist>
        <button type="submit" className="button-primary" disabled={save.isPending}>
          Save profile
        </button>
        {save.isSuccess && <span role="status"> Saved.</span>}
      </form>
    </section>
  );
}

function EmailCard({ me }: { me: Me }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const save = useSaveMe();
  const qc = useQueryClient();
  const withdraw = useMutation({
    mutationFn: () => meApi.cancelPendingEmail(),
    onSuccess: (m) => qc.setQueryData(qk.me, m),
  });
  return (
    <section className="card" aria-labelledby="email-title">
      <h2 id="email-title">Email address</h2>
      <p>
        Now: <strong>{me.email}</strong>
      </p>
      {me.pendingEmail && (
        <div role="status" className="pending-email">
          <p>
            Waiting for <strong>{me.pendingEmail}</strong> to be confirmed: the new address takes over once its link is
            opened.
          </p>
          <ErrorAlert error={withdraw.error} />
          <button type="button" className="button-secondary" disabled={withdraw.isPending} onClick={() => withdraw.mutate()}>
            Cancel this change
          </button>
        </div>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (email.trim())
            save.mutate(
              { email: email.trim(), currentPassword: password },
              { onSuccess: () => setPassword("") },
            );
        }}
      >
        <ErrorAlert error={save.isError && !fieldError(save.error, "email") && !fieldError(save.error, "currentPassword") ? save.error : null} />
        <TextField label="New email address" type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} error={fieldError(save.error, "email")} />
        <TextField
          label="Your password, to change the address"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={fieldError(save.error, "currentPassword")}
        />
        <button type="submit" className="button-secondary" disabled={save.isPending || !email.trim() || !password}>
          Change email
        </button>
      </form>
      {save.isSuccess && me.pendingEmail && (
        <Notice tone="success">We sent a link to {me.pendingEmail}. The new address takes over once you open it.</Notice>
      )}
    </section>
  );
}

function PasswordCard() {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const change = useMutation({
    mutationFn: () => meApi.changePassword(current, next),
    onSuccess: () => {
      setCurrent("");
      setNext("");
    },
  });
  return (
    <section className="card" aria-labelledby="pw-title">
      <h2 id="pw-title">Password</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          change.mutate();
        }}
      >
        <ErrorAlert error={change.isError && !fieldError(change.error, "currentPassword") && !fieldError(change.error, "newPassword") ? change.error : null} />
        <TextField label="Current password" type="password" autoComplete="current-password" required value={current} onChange={(e) => setCurrent(e.target.value)} error={fieldError(change.error, "currentPassword")} />
        <TextField label="New password" type="password" autoComplete="new-password" required value={next} onChange={(e) => setNext(e.target.value)} error={fieldError(change.error, "newPassword")} />
        <button type="submit" className="button-secondary" disabled={change.isPending}>
          Change password
        </button>
      </form>
      {change.isSuccess && <Notice tone="success">Password changed. You've been logged out everywhere else.</Notice>}
    </section>
  );
}

const NOTIFY: { key: keyof NotificationPrefs; label: string }[] = [
  { key: "friendRequest", label: "Someone sends me a friend request" },
  { key: "photoDisplayed", label: "A photo I sent is displayed" },
  { key: "frameOffline", label: "One of my frames goes offline" },
];

function PrivacyCard({ me }: { me: Me }) {
  const save = useSaveMe();
  return (
    <section className="card" aria-labelledby="privacy-title">
      <h2 id="privacy-title">Privacy and emails</h2>
      <ErrorAlert error={save.error} />
      <CheckboxField
        label="People can find me by my email address"
        hint="When off, friends can add you only with your friend code."
        checked={me.findable}
        disabled={save.isPending}
        onChange={(e) => save.mutate({ findable: e.target.checked })}
      />
      <fieldset>
        <legend>Email me when</legend>
        {NOTIFY.map((n) => (
          <CheckboxField
            key={n.key}
            label={n.label}
            checked={Boolean(me.notifications?.[n.key])}
            disabled={save.isPending}
            onChange={(e) => save.mutate({ notifications: { ...me.notifications, [n.key]: e.target.checked } })}
          />
        ))}
      </fieldset>
      {save.isSuccess && <span role="status">Saved.</span>}
    </section>
  );
}

function ExportCard() {
  const exp = useMutation({ mutationFn: meApi.export });
  return (
    <section className="card" aria-labelledby="export-title">
      <h2 id="export-title">Your data</h2>
      <p>Get a copy of your photos and account information. We'll email you a download link.</p>
      <ErrorAlert error={exp.error} />
      <button type="button" className="button-secondary" onClick={() => exp.mutate()} disabled={exp.isPending || exp.isSuccess}>
        Export my data
      </button>
      {exp.isSuccess && <Notice tone="success">Started. You'll get an email with the link when it's ready.</Notice>}
    </section>
  );
}

function DeleteCard() {
  const [password, setPassword] = useState("");
  const [understood, setUnderstood] = useState(false);
  const signOut = useSignOut();
  const del = useMutation({
    mutationFn: () => meApi.delete(password),
    onSuccess: () => signOut(false),
  });
  return (
    <section className="card danger-zone" aria-labelledby="delete-title">
      <h2 id="delete-title">Delete account</h2>
      <div className="alert alert-warning">
        <p>
          <strong>This deletes everything, for good.</strong> Your photos, your frames' pairing (they go back to showing a
          pairing code), photos you sent to friends' frames, and your friendships. It can't be undone.
        </p>
        <p>You might want to export your data first.</p>
      </div>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (understood && password) del.mutate();
        }}
      >
        <ErrorAlert error={del.isError && !fieldError(del.error, "password") ? del.error : null} />
        <CheckboxField label="I understand my account and photos will be deleted" checked={understood} onChange={(e) => setUnderstood(e.target.checked)} />
        <TextField label="Your password, to confirm" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} error={fieldError(del.error, "password")} />
        <button type="submit" className="button-danger" disabled={!understood || !password || del.isPending}>
          Delete my account
        </button>
      </form>
    </section>
  );
}

export default function AccountPage() {
  const q = useQuery({ queryKey: qk.me, queryFn: meApi.get });
  const signOut = useSignOut();
  return (
    <section>
      <PageHeader title="Account">
        <button
          type="button"
          className="button-secondary"
          onClick={() => signOut()}
        >
          Log out
        </button>
      </PageHeader>
      {q.isPending && <Loading />}
      <ErrorAlert error={q.error} />
      {q.data && (
        <div className="two-col">
          <div>
            <ProfileCard me={q.data} />
            <EmailCard me={q.data} />
            <PasswordCard />
          </div>
          <div>
            <PrivacyCard me={q.data} />
            <ExportCard />
            <DeleteCard />
          </div>
        </div>
      )}
    </section>
  );
}
