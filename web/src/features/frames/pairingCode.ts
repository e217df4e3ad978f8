// Pairing codes: 8 characters from 23456789ABCDEFGHJKLMNPQRSTUVWXYZ, shown as XXXX-XXXX.

const ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
const LOOKALIKE: Record<string, string> = { O: "0", I: "1", L: "1" };

/** Upper-case, drop spaces and dashes, and put the dash back: "k7qm t4zp" → "K7QM-T4ZP". */
export function formatPairingCode(raw: string): string {
  const s = raw.toUpperCase().replace(/[^0-9A-Z]/g, "").slice(0, 8);
  return s.length > 4 ? `${s.slice(0, 4)}-${s.slice(4)}` : s;
}

/** A sentence for the user when the code can't be right, or null when it looks fine. */
export function pairingCodeProblem(raw: string): string | null {
  const s = formatPairingCode(raw).replace("-", "");
  if (s.length !== 8) return "The code has 8 letters and digits, like K7QM-T4ZP.";
  for (const ch of s) {
    if (!ALPHABET.includes(ch)) {
      if (ch === "0" || ch === "1" || LOOKALIKE[ch]) {
        return `Codes never contain ${ch}. Check the frame's screen again: it may be a similar-looking letter or digit.`;
      }
      return "That doesn't look like a frame's code.";
    }
  }
  return null;
}
