import { Link, useSearchParams } from "react-router-dom";
import { useQuery } from "@tanstack/react-query";
import { auth } from "../../api/endpoints";
import { ErrorAlert, Loading, Notice } from "../../components/Alert";
import { PageHeader } from "../../components/PageHeader";

export function VerifyPage() {
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  // A query, not an effect: it runs once per token even when React renders twice.
  const verify = useQuery({
    queryKey: ["verify", token],
    queryFn: () => auth.verify(token),
    enabled: token.length > 0,
    retry: false,
    staleTime: Infinity,
    gcTime: Infinity,
    refetchOnWindowFocus: false,
  });

  return (
    <section className="narrow card">
      <PageHeader title="Confirm your email" />
      {!token && <Notice tone="warning">This link is missing its code. Open the link from the email again.</Notice>}
      {token && verify.isPending && <Loading label="Confirming your email address…" />}
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
