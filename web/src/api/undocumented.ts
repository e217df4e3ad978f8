// Fields the server sends but the OpenAPI document does not describe yet (`thumbnailUrl` of shares,
// deliveries and frame items; `status.showing` of a frame). The document allows extra properties,
// so the generated types call them `unknown`: read them defensively rather than pretend to know
// their type. When the document names them, drop these calls (grep stringField).
export function stringField(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}
