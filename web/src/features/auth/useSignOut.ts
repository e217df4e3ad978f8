import { useCallback } from "react";
import { useNavigate } from "react-router-dom";
import { useQueryClient } from "@tanstack/react-query";
import { api, auth } from "../../api/endpoints";
import { signingOut } from "./session";

/**
 * Leave the account: forget the tokens and go to the start page in the same tick (so no private
 * page sees a missing session and sends the user to log in), then drop the cached data.
 * `revoke` also ends the session on the server (log out); after deleting the account it's moot.
 */
export function useSignOut() {
  const navigate = useNavigate();
  const qc = useQueryClient();
  return useCallback(
    (revoke = true) => {
      signingOut.start();
      if (revoke) void auth.logout();
      else api.clearTokens();
      navigate("/", { replace: true });
      setTimeout(() => qc.clear(), 0);
    },
    [navigate, qc],
  );
}
