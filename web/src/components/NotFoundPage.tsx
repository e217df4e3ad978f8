import { Link } from "react-router-dom";
import { PageHeader } from "./PageHeader";

export function NotFoundPage() {
  return (
    <section className="narrow">
      <PageHeader title="Page not found" />
      <p>We couldn't find that page.</p>
      <p>
        <Link to="/">Go to the start page</Link>
      </p>
    </section>
  );
}
