import { Link, useSearchParams } from "react-router-dom";
import { useMutation } from "@tanstack/react-query";
import { auth } from "../../api/endpoints";
import { ErrorAlert, Notice } from "../../components/Alert";
import { PageHeader } from "../../components/PageHeader";

/**
 * The old address's "this wasn't me" link. Like /verify it acts only on a button press, so a
 * mail scanner opening the link cannot sign the owner out everywhere.
 */
export function CancelEmailChangePage() {
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const cancel = useMutation({ mutationFn: () => auth.cancelEmailChange(token) });

  return (
    <section className="narrow card">
      <PageHeader title="Stop the email change" />
      {!token && <Notice tone="warning">This link is missing its code. Open the link from the email again.</Notice>}
      {token && !cancel.isSuccess && (
        <>
          <p>
            If you did not ask to move your Shareframe account to another email address, press the button. We cancel
            the change (or undo it, if it already happened) and sign out every session, yours included.
          </p>
          <p>
            <button type="button" className="button button-danger" disabled={cancel.isPending} onClick={() => cancel.mutate()}>
              {cancel.isPending ? "Stopping…" : "This wasn't me: stop it"}
            </button>
          </p>
        </>
      )}
      {cancel.isSuccess && (
        <>
          <Notice tone="success">Done: the change is cancelled and every session is signed out.</Notice>
          <p>Someone may know your password. Choose a new one now.</p>
          <p>
            <Link to="/forgot-password" className="button button-primary">
              Choose a new password
            </Link>
          </p>
        </>
      )}
      {cancel.isError && <ErrorAlert error={cancel.error} title="We couldn't stop the change." />}
    </section>
  );
}
