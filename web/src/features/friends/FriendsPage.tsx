import { useState, type FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { friends, me as meApi, qk } from "../../api/endpoints";
import { fieldError } from "../../api/errors";
import type { Friend, FriendRequest } from "../../api/types";
import { ErrorAlert, Loading, Notice } from "../../components/Alert";
import { TextField } from "../../components/Field";
import { PageHeader } from "../../components/PageHeader";
import { QrCode } from "../../components/QrCode";
import { formatDate } from "../../lib/format";

export function inviteLink(friendCode: string, origin = window.location.origin): string {
  return `${origin}/friends/add?code=${encodeURIComponent(friendCode)}`;
}

/** What to call someone whose display name the API left out. */
function nameOf(p: Friend): string {
  return p.displayName ?? "Someone";
}

export function normaliseFriendCode(raw: string): string {
  return raw.trim().toUpperCase().replace(/\s+/g, "");
}

function useInvalidateFriends() {
  const qc = useQueryClient();
  return () => {
    void qc.invalidateQueries({ queryKey: qk.friends });
    void qc.invalidateQueries({ queryKey: qk.targets });
    void qc.invalidateQueries({ queryKey: qk.dashboard });
  };
}

export function AddFriendForm({ initialCode = "" }: { initialCode?: string }) {
  const [code, setCode] = useState(initialCode);
  const invalidate = useInvalidateFriends();
  const add = useMutation({
    mutationFn: () => (code.includes("@") ? friends.requestByEmail(code.trim()) : friends.request(normaliseFriendCode(code))),
    onSuccess: () => {
      setCode("");
      invalidate();
    },
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    if (code.trim()) add.mutate();
  }
  return (
    <form onSubmit={submit} aria-label="Add a friend">
      {add.isSuccess && <Notice tone="success">Request sent. You'll be friends once they accept.</Notice>}
      <ErrorAlert error={add.isError && !fieldError(add.error, "friendCode") && !fieldError(add.error, "email") ? add.error : null} />
      <TextField
        label="Friend code or email address"
        hint="A friend code always works: ask for the one on their Friends page. An email address finds people who allow it."
        value={code}
        autoCapitalize="characters"
        autoComplete="off"
        spellCheck={false}
        onChange={(e) => setCode(e.target.value)}
        error={fieldError(add.error, "friendCode") ?? fieldError(add.error, "email")}
      />
      <button type="submit" className="button-primary" disabled={add.isPending || !code.trim()}>
        Send friend request
      </button>
    </form>
  );
}

function RequestRow({ r, incoming }: { r: FriendRequest; incoming: boolean }) {
  const invalidate = useInvalidateFriends();
  const act = useMutation({
    // A request is named by the other person's id: there is at most one between two people.
    mutationFn: async (what: "accept" | "reject" | "cancel") => void (await friends[what](r.userId)),
    // qk.friends is the prefix of the request lists too.
    onSuccess: invalidate,
  });
  return (
    <li className="list-row">
      <div>
        <strong>{nameOf(r)}</strong>
        <span className="hint"> · {formatDate(r.since)}</span>
      </div>
      <div className="inline-actions">
        {incoming ? (
          <>
            <button type="button" className="button-small button-primary" onClick={() => act.mutate("accept")} disabled={act.isPending}>
              Accept<span className="visually-hidden"> {nameOf(r)}</span>
            </button>
            <button type="button" className="button-small button-secondary" onClick={() => act.mutate("reject")} disabled={act.isPending}>
              Decline<span className="visually-hidden"> {nameOf(r)}</span>
            </button>
          </>
        ) : (
          <button type="button" className="button-small button-secondary" onClick={() => act.mutate("cancel")} disabled={act.isPending}>
            Cancel request<span className="visually-hidden"> to {nameOf(r)}</span>
          </button>
        )}
      </div>
      <ErrorAlert error={act.error} />
    </li>
  );
}

function FriendRow({ friend }: { friend: Friend }) {
  const { userId, since } = friend;
  const displayName = nameOf(friend);
  const invalidate = useInvalidateFriends();
  const qc = useQueryClient();
  const [confirm, setConfirm] = useState<null | "remove" | "block">(null);
  const remove = useMutation({ mutationFn: () => friends.remove(userId), onSuccess: invalidate });
  const block = useMutation({
    mutationFn: () => friends.block(userId),
    onSuccess: () => {
      invalidate();
      void qc.invalidateQueries({ queryKey: qk.blocks });
    },
  });
  return (
    <li className="list-row">
      <div>
        <strong>{displayName}</strong>
        <span className="hint"> · friends since {formatDate(since)}</span>
      </div>
      {confirm === null ? (
        <div className="inline-actions">
          <button type="button" className="button-small button-secondary" onClick={() => setConfirm("remove")}>
            Remove<span className="visually-hidden"> {displayName}</span>
          </button>
          <button type="button" className="button-small button-secondary" onClick={() => setConfirm("block")}>
            Block<span className="visually-hidden"> {displayName}</span>
          </button>
        </div>
      ) : (
        <div role="group" aria-label="Confirm" className="confirm-inline">
          <p>
            {confirm === "remove"
              ? `Remove ${displayName} as a friend? You stop seeing each other's frames.`
              : `Block ${displayName}? They are removed as a friend and can't send you requests or photos.`}
          </p>
          <div className="inline-actions">
            <button
              type="button"
              className="button-small button-danger"
              onClick={() => (confirm === "remove" ? remove.mutate() : block.mutate())}
              disabled={remove.isPending || block.isPending}
            >
              {confirm === "remove" ? "Yes, remove" : "Yes, block"}
            </button>
            <button type="button" className="button-small button-secondary" onClick={() => setConfirm(null)}>
              Cancel
            </button>
          </div>
        </div>
      )}
      <ErrorAlert error={remove.error ?? block.error} />
    </li>
  );
}

function BlockedList() {
  const qc = useQueryClient();
  const q = useQuery({ queryKey: qk.blocks, queryFn: friends.blocks });
  const unblock = useMutation({
    mutationFn: (id: string) => friends.unblock(id),
    onSuccess: () => void qc.invalidateQueries({ queryKey: qk.blocks }),
  });
  const items = q.data?.items ?? [];
  if (items.length === 0) return null;
  return (
    <section className="card" aria-labelledby="blocked-title">
      <h2 id="blocked-title">Blocked</h2>
      <ErrorAlert error={unblock.error} />
      <ul className="plain-list">
        {items.map((b) => (
          <li key={b.userId} className="list-row">
            <span>{b.displayName ?? b.userId}</span>
            <button type="button" className="button-small button-secondary" onClick={() => unblock.mutate(b.userId)}>
              Unblock<span className="visually-hidden"> {b.displayName ?? b.userId}</span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

export default function FriendsPage() {
  const me = useQuery({ queryKey: qk.me, queryFn: meApi.get });
  const list = useQuery({ queryKey: qk.friends, queryFn: friends.list });
  const incoming = useQuery({ queryKey: qk.requests("incoming"), queryFn: () => friends.requests("incoming"), refetchInterval: 30_000 });
  const outgoing = useQuery({ queryKey: qk.requests("outgoing"), queryFn: () => friends.requests("outgoing") });
  const code = me.data?.friendCode;
  const [copied, setCopied] = useState(false);

  return (
    <section>
      <PageHeader title="Friends" />
      <div className="two-col">
        <div>
          <section className="card" aria-labelledby="mycode-title">
            <h2 id="mycode-title">Your friend code</h2>
            {me.isPending && <Loading />}
            <ErrorAlert error={me.error} />
            {code && (
              <div className="friend-code">
                <p className="code-big" aria-label={`Your friend code is ${code.split("").join(" ")}`}>
                  {code}
                </p>
                <QrCode value={inviteLink(code)} label="QR code: scan it with a phone to add me as a friend" />
                <p className="hint">Friends can type the code, or scan the QR code with their phone camera.</p>
                <button
                  type="button"
                  className="button-secondary"
                  onClick={() => {
                    void navigator.clipboard?.writeText(inviteLink(code)).then(() => setCopied(true));
                  }}
                >
                  Copy invite link
                </button>
                {copied && <span role="status"> Copied.</span>}
              </div>
            )}
          </section>
          <section className="card" aria-labelledby="add-title">
            <h2 id="add-title">Add a friend</h2>
            <AddFriendForm />
          </section>
        </div>
        <div>
          <section className="card" aria-labelledby="incoming-title">
            <h2 id="incoming-title">Requests for you</h2>
            <ErrorAlert error={incoming.error} />
            {incoming.data?.items.length === 0 && <p className="hint">No requests waiting.</p>}
            <ul className="plain-list">
              {incoming.data?.items.map((r) => <RequestRow key={r.userId} r={r} incoming />)}
            </ul>
          </section>
          {(outgoing.data?.items.length ?? 0) > 0 && (
            <section className="card" aria-labelledby="outgoing-title">
              <h2 id="outgoing-title">Requests you sent</h2>
              <ul className="plain-list">
                {outgoing.data?.items.map((r) => <RequestRow key={r.userId} r={r} incoming={false} />)}
              </ul>
            </section>
          )}
          <section className="card" aria-labelledby="friends-title">
            <h2 id="friends-title">Your friends</h2>
            {list.isPending && <Loading />}
            <ErrorAlert error={list.error} />
            {list.data?.items.length === 0 && <p className="hint">No friends yet. Share your code to get started.</p>}
            <ul className="plain-list">
              {list.data?.items.map((f) => <FriendRow key={f.userId} friend={f} />)}
            </ul>
          </section>
          <BlockedList />
        </div>
      </div>
    </section>
  );
}
