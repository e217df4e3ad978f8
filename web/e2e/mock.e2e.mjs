// Walk the main journeys in the system Chromium against the mock API (mock/server.mjs), check
// each screen with axe-core, and take phone and desktop screenshots into web/screenshots/.
// Needs `npm run build` first and /usr/bin/chromium (CHROMIUM=... to override). Never downloads
// a browser. Run: npm run e2e:mock

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const PORT = 8790 + Math.floor(Math.random() * 100);
const BASE = `http://localhost:${PORT}`;
const SHOTS = fileURLToPath(new URL("../screenshots/", import.meta.url));
const AXE = await readFile(require.resolve("axe-core/axe.min.js"), "utf8");

let server;
let browser;
const problems = [];

before(async () => {
  server = spawn(process.execPath, [fileURLToPath(new URL("../mock/server.mjs", import.meta.url)), String(PORT)], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise((resolve) => server.stdout.on("data", (d) => String(d).includes("mock API") && resolve()));
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  await mkdir(SHOTS, { recursive: true });
});

after(async () => {
  await browser?.close();
  server?.kill();
});

async function axe(page, name) {
  await page.addScriptTag({ content: AXE });
  const v = await page.evaluate(async () => (await window.axe.run(document)).violations.filter((x) => x.impact === "serious" || x.impact === "critical").map((x) => `${x.id} (${x.nodes.length}): ${x.help} — ${x.nodes[0]?.target}`));
  for (const p of v) problems.push(`${name}: ${p}`);
}

/** Screenshot at desktop and phone width, and run axe at both. */
async function capture(page, name) {
  await page.waitForLoadState("networkidle").catch(() => {});
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: `${SHOTS}${name}-desktop.png`, fullPage: true });
  await axe(page, `${name} desktop`);
  await page.setViewportSize({ width: 360, height: 780 });
  await page.waitForTimeout(100);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 1) problems.push(`${name}: page is ${overflow}px wider than a 360px phone`);
  await page.screenshot({ path: `${SHOTS}${name}-phone.png`, fullPage: true });
  await axe(page, `${name} phone`);
  await page.setViewportSize({ width: 1280, height: 900 });
}

async function photo(page, colour) {
  const dataUrl = await page.evaluate((c) => {
    const cv = document.createElement("canvas");
    cv.width = 640;
    cv.height = 480;
    const g = cv.getContext("2d");
    g.fillStyle = c;
    g.fillRect(0, 0, 640, 480);
    g.fillStyle = "#fff";
    g.beginPath();
    g.arc(320, 200, 110, 0, Math.PI * 2);
    g.fill();
    g.fillStyle = "#222";
    g.fillRect(0, 380, 640, 100);
    return cv.toDataURL("image/png");
  }, colour);
  return Buffer.from(dataUrl.split(",")[1], "base64");
}

async function signUpAndLogIn(page, name, email) {
  await page.goto(`${BASE}/signup`);
  await page.getByLabel("Your name").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("correct horse battery");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByRole("heading", { name: "Check your email" }).waitFor();
  await page.goto(`${BASE}/login`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("correct horse battery");
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("heading", { name: "Home" }).waitFor();
}

async function pair(page, code, name) {
  await page.goto(`${BASE}/frames/claim?code=${code}`);
  await page.getByLabel(/Name for the frame/).fill(name);
  await page.getByRole("button", { name: "Pair frame" }).click();
  await page.getByRole("heading", { name }).waitFor();
}

test("two families: pair, befriend, upload, send, watch it reach displayed", async () => {
  const ana = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  const ben = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  ana.on("pageerror", (e) => problems.push(`page error: ${e.message}`));

  await ana.goto(BASE);
  await ana.getByRole("heading", { level: 1 }).waitFor();
  await capture(ana, "landing");
  await ana.goto(`${BASE}/login`);
  await capture(ana, "login");

  await signUpAndLogIn(ana, "Ana", "ana@example.org");
  await signUpAndLogIn(ben, "Ben", "ben@example.org");

  // Ana uploads two photos and one bad file.
  await ana.goto(`${BASE}/library`);
  await ana.getByLabel("Choose photos").setInputFiles([
    { name: "beach.png", mimeType: "image/png", buffer: await photo(ana, "#3b7dd8") },
    { name: "garden.png", mimeType: "image/png", buffer: await photo(ana, "#4a9a3a") },
    { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("hello") },
  ]);
  await ana.getByText(/isn't a photo we can use/).waitFor();
  await ana.getByRole("list", { name: "Uploads" }).getByText("Ready").nth(1).waitFor({ timeout: 15_000 });
  await ana.getByRole("list", { name: "Photos in your library" }).getByRole("link").nth(1).waitFor();
  await capture(ana, "library");

  // Photo detail: pick a focal point.
  await ana.getByRole("list", { name: "Photos in your library" }).getByRole("link").first().click();
  await ana.getByRole("button", { name: /Focal point at/ }).click({ position: { x: 40, y: 40 } });
  await ana.getByRole("button", { name: "Save focal point" }).click();
  await ana.getByText("Saved.").waitFor();
  await capture(ana, "photo");

  await pair(ana, "K7QM-T4ZP", "Kitchen");
  await capture(ana, "frame");
  await pair(ben, "Q2WE-RTY3", "Hallway");

  // Friends: Ben adds Ana by her code, Ana accepts.
  await ana.goto(`${BASE}/friends`);
  const code = (await ana.locator(".code-big").textContent()).trim();
  await ben.goto(`${BASE}/friends/add?code=${code}`);
  await ben.getByRole("button", { name: "Send friend request" }).click();
  await ben.getByText(/Request sent/).waitFor();
  await ana.reload();
  await ana.getByRole("button", { name: "Accept Ben" }).click();
  await ana.getByRole("heading", { name: "Your friends" }).waitFor();
  await ana.locator(".list-row", { hasText: "Ben" }).getByText(/friends since/).waitFor();
  await capture(ana, "friends");

  // Ana sends to her frame and Ben's.
  await ana.goto(`${BASE}/send`);
  await ana.locator(".photo-pick-label").first().click();
  await ana.getByLabel(/Kitchen/).check();
  await ana.getByLabel(/Hallway/).check();
  await ana.getByRole("img", { name: /How the photo will look on Kitchen, Hallway/ }).waitFor();
  await ana.getByLabel("Caption").fill("Sunny day!");
  await capture(ana, "send");
  await ana.getByRole("button", { name: "Send", exact: true }).click();
  await ana.getByRole("heading", { name: "Sent" }).waitFor();
  await ana.getByText(/Displayed on 0 of 2 frames|Displayed on 1 of 2 frames/).waitFor();
  await ana.getByText("Displayed on both frames.").waitFor({ timeout: 15_000 });
  await capture(ana, "share-status");

  // Ben sees it on his frame and in his history.
  await ben.goto(`${BASE}/history?direction=received`);
  await ben.getByText("Ana sent you a photo").waitFor();
  await ben.goto(`${BASE}/frames`);
  await ben.getByRole("link", { name: "Hallway" }).click();
  await ben.getByText("Sunny day!", { exact: true }).waitFor();

  for (const [path, name] of [["/dashboard", "dashboard"], ["/history", "history"], ["/frames", "frames"], ["/account", "account"], ["/releases", "releases"]]) {
    await ana.goto(BASE + path);
    await ana.getByRole("heading", { level: 1 }).waitFor();
    await capture(ana, name);
  }

  // Expired session: drop the tokens' access part and watch it refresh silently.
  await ana.evaluate(() => {
    const s = JSON.parse(localStorage.getItem("shareframe.session"));
    localStorage.setItem("shareframe.session", JSON.stringify({ ...s, accessToken: "at_bogus", expiresAt: Date.now() + 600000 }));
  });
  await ana.goto(`${BASE}/friends`);
  await ana.getByRole("heading", { name: "Your friends" }).waitFor();
  await ana.getByText("Ben").first().waitFor();
  // A revoked refresh token: back to log in, remembering the page.
  await ana.evaluate(() => {
    localStorage.setItem("shareframe.session", JSON.stringify({ accessToken: "x", refreshToken: "revoked", expiresAt: 0 }));
  });
  await ana.goto(`${BASE}/history`);
  await ana.getByRole("heading", { name: "Log in" }).waitFor();
  assert.match(ana.url(), /\/login\?next=%2Fhistory/);

  assert.deepEqual(problems, []);
});
