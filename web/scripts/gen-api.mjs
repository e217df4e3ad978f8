// Generates src/api/openapi.gen.ts, the app's API types, from the backend's OpenAPI document
// (functions/chalicelib/data/openapi.json) with openapi-typescript. Nothing in web/ writes the
// contract by hand: change the document (the backend's models), then `npm run gen:api`.
// `npm run build` runs this first; src/api/openapi.gen.test.ts fails when the committed file is stale.
//
//   node scripts/gen-api.mjs [--out FILE] [--document openapi.json]

import { readFile, writeFile } from "node:fs/promises";
import { pathToFileURL, fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import openapiTS, { astToString, COMMENT_HEADER } from "openapi-typescript";

export const DOCUMENT = fileURLToPath(new URL("../../functions/chalicelib/data/openapi.json", import.meta.url));
export const OUTPUT = fileURLToPath(new URL("../src/api/openapi.gen.ts", import.meta.url));

/** The generated module's text for the document at `documentPath`. */
export async function generate(documentPath = DOCUMENT) {
  // A URL (not the parsed object) so relative $refs, should the document ever split, resolve.
  // A field with a default may be left out of a request: optional, not required.
  const ast = await openapiTS(pathToFileURL(documentPath), { silent: true, defaultNonNullable: false });
  return `${COMMENT_HEADER}// Source: functions/chalicelib/data/openapi.json. Regenerate with \`npm run gen:api\`.\n\n${astToString(ast)}`;
}

async function main() {
  const { values } = parseArgs({ options: { out: { type: "string" }, document: { type: "string" } } });
  const out = values.out ?? OUTPUT;
  const text = await generate(values.document ?? DOCUMENT);
  // Leave an unchanged file alone, so make and tsc -b see nothing new.
  const before = await readFile(out, "utf8").catch(() => null);
  if (before !== text) await writeFile(out, text);
  console.log(`${before === text ? "unchanged" : "wrote"} ${out}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
