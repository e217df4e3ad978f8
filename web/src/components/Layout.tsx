import { useEffect, useRef, useState } from "react";
import { Link, NavLink, Outlet, useLocation } from "react-router-dom";
import { useQuery } from "@tanstack/react-query";
import { friends, notifications, qk } from "../api/endpoints";
import { unseenLabel } from "../features/notifications/notificationLink";
import { isPublicPath, signingOut, useLoggedIn } from "../features/auth/session";
import { useSignOut } from "../features/auth/useSignOut";

const APP_NAV = [
  { to: "/dashboard", label: "Home" },
  { to: "/library", label: "Photos" },
  { to: "/send", label: "Send" },
  { to: "/frames", label: "Frames" },
  { to: "/friends", label: "Friends" },
  { to: "/history", label: "History" },
];

/** Friend requests waiting for an answer, as a count beside "Friends". */
function PendingBadge() {
  const q = useQuery({ queryKey: qk.requests("incoming"), queryFn: () => friends.requests("incoming"), refetchInterval: 60_000 });
  const n = q.data?.items.length ?? 0;
  if (!n) return null;
  return (
    <span className="nav-count">
      {n}
      <span className="visually-hidden"> friend request{n === 1 ? "" : "s"} waiting</span>
    </span>
  );
}

/** Notifications not seen yet, as a count beside "Notifications". */
function UnseenBadge() {
  const q = useQuery({ queryKey: qk.unseen, queryFn: notifications.unseen, refetchInterval: 60_000 });
  const n = q.data?.unseen ?? 0;
  if (!n) return null;
  return (
    <span className="nav-count">
      {unseenLabel(n)}
      <span className="visually-hidden"> new</span>
    </span>
  );
}

export function Layout() {
  const loggedIn = useLoggedIn();
  const location = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  const mainRef = useRef<HTMLElement>(null);

  // Close the phone menu and move focus to the new page's heading on navigation.
  const first = useRef(true);
  useEffect(() => {
    setMenuOpen(false);
    if (isPublicPath(location.pathname)) signingOut.done();
    if (first.current) {
      first.current = false;
      return;
    }
    const h1 = document.getElementById("page-title");
    (h1 ?? mainRef.current)?.focus({ preventScroll: false });
  }, [location.pathname]);

  const signOut = useSignOut();

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <div className="header-inner">
          <Link to={loggedIn ? "/dashboard" : "/"} className="brand">
            <svg aria-hidden="true" viewBox="0 0 32 32" width="28" height="28">
              <rect x="2" y="5" width="28" height="22" rx="3" fill="currentColor" />
              <rect x="6" y="9" width="20" height="14" fill="#1f4e5f" />
              <circle cx="21" cy="13" r="2" fill="currentColor" />
              <path d="M6 23l7-8 5 6 3-3 5 5z" fill="currentColor" />
            </svg>
            <span>Shareframe</span>
          </Link>
          {loggedIn ? (
            <>
              <button
                type="button"
                className="menu-toggle"
                aria-expanded={menuOpen}
                aria-controls="main-nav"
                onClick={() => setMenuOpen((o) => !o)}
              >
                Menu
              </button>
              <nav id="main-nav" aria-label="Main" className={menuOpen ? "open" : ""}>
                <ul>
                  {APP_NAV.map((n) => (
                    <li key={n.to}>
                      <NavLink to={n.to}>
                        {n.label}
                        {n.to === "/friends" && (
                          <>
                            {" "}
                            <PendingBadge />
                          </>
                        )}
                      </NavLink>
                    </li>
                  ))}
                  <li>
                    <NavLink to="/notifications">
                      Notifications <UnseenBadge />
                    </NavLink>
                  </li>
                  <li>
                    <NavLink to="/account">Account</NavLink>
                  </li>
                  <li>
                    <button type="button" className="link-button" onClick={() => signOut()}>
                      Log out
                    </button>
                  </li>
                </ul>
              </nav>
            </>
          ) : (
            <nav aria-label="Main" className="public-nav">
              <ul>
                <li>
                  <NavLink to="/login">Log in</NavLink>
                </li>
                <li>
                  <Link to="/signup" className="button button-small">
                    Sign up
                  </Link>
                </li>
              </ul>
            </nav>
          )}
        </div>
      </header>
      <main id="main" ref={mainRef} tabIndex={-1}>
        <Outlet />
      </main>
      <footer className="site-footer">
        <nav aria-label="Footer">
          <ul>
            <li>
              <Link to="/releases">Release notes</Link>
            </li>
            <li>
              <Link to="/">About Shareframe</Link>
            </li>
          </ul>
        </nav>
      </footer>
    </div>
  );
}
