import type { ReactNode } from "react";
import { Navigate, useLocation } from "react-router-dom";
import { loginPathFor, signingOut, useLoggedIn } from "../features/auth/session";

export function RequireAuth({ children }: { children: ReactNode }) {
  const loggedIn = useLoggedIn();
  const location = useLocation();
  if (!loggedIn) return signingOut.active ? null : <Navigate to={loginPathFor(location)} replace />;
  return <>{children}</>;
}
