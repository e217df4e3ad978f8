// @vitest-environment node
// openapi.gen.ts must be exactly what the generator makes of the backend's OpenAPI document today:
// regenerate into a temporary directory with the build's own script, and compare.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const WEB = fileURLToPath(new URL("../..", import.meta.url));
const DOCUMENT = join(WEB, "..", "functions", "chalicelib", "data", "openapi.json");
const COMMITTED = join(WEB, "src", "api", "openapi.gen.ts");
const tmp = mkdtempSync(join(tmpdir(), "shareframe-openapi-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs `npm run gen:api`'s script with --out (and --document), returns what it wrote. */
function generate(out: string, document = DOCUMENT): string {
  execFileSync(process.execPath, ["scripts/gen-api.mjs", "--out", out, "--document", document], { cwd: WEB, stdio: "pipe" });
  return readFileSync(out, "utf8");
}

// The generator takes a second or two, many more on a busy machine.
const SLOW = 60_000;

describe("generated API types", () => {
  let fresh = "";
  beforeAll(() => {
    fresh = generate(join(tmp, "openapi.gen.ts"));
  }, SLOW);

  it("are up to date with functions/chalicelib/data/openapi.json (else run `npm run gen:api`)", () => {
    const committed = readFileSync(COMMITTED, "utf8");
    let same = 0;
    while (same < fresh.length && fresh[same] === committed[same]) same++;
    const line = fresh.slice(0, same).split("\n").length;
    expect(fresh === committed, `src/api/openapi.gen.ts differs from line ${line}: run \`npm run gen:api\` and commit it`).toBe(true);
  });

  it("change when the document changes (the comparison above can fail)", () => {
    const doc = JSON.parse(readFileSync(DOCUMENT, "utf8"));
    doc.components.schemas.Share.properties.addedForThisTest = { type: "string" };
    const changed = join(tmp, "changed.json");
    writeFileSync(changed, JSON.stringify(doc));
    const regenerated = generate(join(tmp, "changed.gen.ts"), changed);
    expect(regenerated).not.toBe(fresh);
    expect(regenerated).toContain("addedForThisTest?: string;");
  }, SLOW);
});
