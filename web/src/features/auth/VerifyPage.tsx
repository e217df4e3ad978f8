import { Link, useSearchParams } from "react-router-dom";
import { useMutation } from "@tanstack/react-query";
import { auth } from "../../api/endpoints";
import { ErrorAlert, Notice } from "../../components/Alert";
import { PageHeader } from "../../components/PageHeader";

/**
 * Confirms a new account's address or an address change: only when the person presses the
 * button. Mail scanners open every link in a message; a page that confirmed on load would let
 * them confirm an address change nobody asked for.
 */
export function VerifyPage() {
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const verify = useMutation({ mutationFn: () => auth.verify(token) });

  return (
    <section className="narrow card">
      <PageHeader title="Confirm your email" />
      {!token && <Notice tone="warning">This link is missing its code. Open the link from the email again.</Notice>}
      {token && !verify.isSuccess && (
        <>
          <p>Press the button to confirm this email address for your Shareframe account.</p>
          <p>
            <button type="button" className="button button-primary" disabled={verify.isPending} onClick={() => verify.mutate()}>
              {verify.isPending ? "Confirming…" : "Confirm my email address"}
            </button>
          </p>
        </>
      )}
      {verify.isSuccess && (
        <>
          <Notice tone="success">Thank you, your email address is confirmed.</Notice>
          <p>
            <Link to="/login" className="button button-primary">
              Log in
            </Link>
          </p>
        </>
      )}
      {verify.isError && (
        <>
          <ErrorAlert error={verify.error} title="We couldn't confirm your email." />
          <p>
            The link may have expired. <Link to="/login">Log in</Link> to have a new one sent.
          </p>
        </>
      )}
    </section>
  );
}
