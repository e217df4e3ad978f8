import { lazy, Suspense, useEffect } from "react";
import { Navigate, Route, Routes, useNavigate } from "react-router-dom";
import { api } from "./api/endpoints";
import { Layout } from "./components/Layout";
import { Loading } from "./components/Alert";
import { RequireAuth } from "./components/RequireAuth";
import { isPublicPath, loginPathFor, signingOut } from "./features/auth/session";
import { LandingPage } from "./features/landing/LandingPage";
import { LoginPage } from "./features/auth/LoginPage";
import { SignUpPage } from "./features/auth/SignUpPage";
import { VerifyPage } from "./features/auth/VerifyPage";
import { CancelEmailChangePage } from "./features/auth/CancelEmailChangePage";
import { ForgotPasswordPage, ResetPasswordPage } from "./features/auth/PasswordPages";
import { NotFoundPage } from "./components/NotFoundPage";

const DashboardPage = lazy(() => import("./features/dashboard/DashboardPage"));
const LibraryPage = lazy(() => import("./features/library/LibraryPage"));
const PhotoDetailPage = lazy(() => import("./features/library/PhotoDetailPage"));
const SendPage = lazy(() => import("./features/send/SendPage"));
const ShareStatusPage = lazy(() => import("./features/send/ShareStatusPage"));
const FramesPage = lazy(() => import("./features/frames/FramesPage"));
const FrameDetailPage = lazy(() => import("./features/frames/FrameDetailPage"));
const ClaimFramePage = lazy(() => import("./features/frames/ClaimFramePage"));
const FriendsPage = lazy(() => import("./features/friends/FriendsPage"));
const AddFriendPage = lazy(() => import("./features/friends/AddFriendPage"));
const HistoryPage = lazy(() => import("./features/history/HistoryPage"));
const AccountPage = lazy(() => import("./features/account/AccountPage"));
const ReleasesPage = lazy(() => import("./features/releases/ReleasesPage"));
const NotificationsPage = lazy(() => import("./features/notifications/NotificationsPage"));

function Private({ children }: { children: React.ReactNode }) {
  return <RequireAuth>{children}</RequireAuth>;
}

export function App() {
  const navigate = useNavigate();
  useEffect(() => {
    api.onSessionExpired = () => {
      // Several queries can fail at once: send the user to log in once, and only from a page
      // that needs a session.
      if (signingOut.active || isPublicPath(window.location.pathname)) return;
      navigate(loginPathFor(window.location), { replace: true, state: { expired: true } });
    };
    return () => {
      api.onSessionExpired = undefined;
    };
  }, [navigate]);

  return (
    <Suspense fallback={<Loading />}>
      <Routes>
        <Route element={<Layout />}>
          <Route index element={<LandingPage />} />
          <Route path="signup" element={<SignUpPage />} />
          <Route path="verify" element={<VerifyPage />} />
          <Route path="email-change/cancel" element={<CancelEmailChangePage />} />
          <Route path="login" element={<LoginPage />} />
          <Route path="forgot-password" element={<ForgotPasswordPage />} />
          <Route path="reset" element={<ResetPasswordPage />} />
          <Route path="releases" element={<ReleasesPage />} />

          <Route path="dashboard" element={<Private><DashboardPage /></Private>} />
          <Route path="library" element={<Private><LibraryPage /></Private>} />
          <Route path="library/:imageId" element={<Private><PhotoDetailPage /></Private>} />
          <Route path="send" element={<Private><SendPage /></Private>} />
          <Route path="shares/:shareId" element={<Private><ShareStatusPage /></Private>} />
          <Route path="frames" element={<Private><FramesPage /></Private>} />
          <Route path="frames/claim" element={<Private><ClaimFramePage /></Private>} />
          <Route path="frames/:frameId" element={<Private><FrameDetailPage /></Private>} />
          <Route path="friends" element={<Private><FriendsPage /></Private>} />
          <Route path="friends/add" element={<Private><AddFriendPage /></Private>} />
          <Route path="history" element={<Private><HistoryPage /></Private>} />
          <Route path="account" element={<Private><AccountPage /></Private>} />
          <Route path="notifications" element={<Private><NotificationsPage /></Private>} />
          <Route path="home" element={<Navigate to="/dashboard" replace />} />
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Routes>
    </Suspense>
  );
}
