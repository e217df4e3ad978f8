import { useEffect, type ReactNode } from "react";

/** The page's h1, and the document title to match. */
export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  useEffect(() => {
    document.title = `${title} · Shareframe`;
  }, [title]);
  return (
    <div className="page-header">
      <h1 tabIndex={-1} id="page-title">
        {title}
      </h1>
      {children && <div className="page-header-actions">{children}</div>}
    </div>
  );
}
