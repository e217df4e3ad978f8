/// <reference types="vitest/config" />
import { defineConfig, type Plugin } from "vite";
import react from "@vitejs/plugin-react";

// `npm run dev` talks to the API through the dev server (no CORS needed): /config.json answers
// {"apiUrl": "/api"} and /api/* is proxied to SHAREFRAME_API (default: the local cloud's API).
const API_TARGET = process.env.SHAREFRAME_API ?? "http://127.0.0.1:8000";

function devConfig(): Plugin {
  return {
    name: "shareframe-dev-config",
    apply: "serve",
    configureServer(server) {
      server.middlewares.use("/config.json", (_req, res) => {
        res.setHeader("Content-Type", "application/json");
        res.setHeader("Cache-Control", "no-store");
        res.end(JSON.stringify({ apiUrl: "/api" }));
      });
    },
  };
}

export default defineConfig({
  plugins: [react(), devConfig()],
  // 5174: the local cloud's own static server already uses 5173.
  server: {
    port: 5174,
    host: "127.0.0.1",
    proxy: { "/api": { target: API_TARGET, changeOrigin: true, rewrite: (p) => p.replace(/^\/api/, "") } },
  },
  preview: { port: 5174, host: "127.0.0.1" },
  build: { outDir: "dist", sourcemap: false, chunkSizeWarningLimit: 400 },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/test/setup.ts"],
    restoreMocks: true,
  },
});
