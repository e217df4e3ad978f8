import { afterEach } from "vitest";
import { cleanup } from "@testing-library/react";

afterEach(() => {
  cleanup();
  // Tests of build scripts run in the node environment: no DOM there.
  if (typeof window !== "undefined") window.localStorage.clear();
});
