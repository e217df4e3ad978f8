import { useState, type FormEvent } from "react";
import { useNavigate, useSearchParams } from "react-router-dom";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { frames, qk } from "../../api/endpoints";
import { fieldError } from "../../api/errors";
import { ErrorAlert } from "../../components/Alert";
import { TextField } from "../../components/Field";
import { PageHeader } from "../../components/PageHeader";
import { formatPairingCode, pairingCodeProblem } from "./pairingCode";

export function PairFrameForm({ initialCode = "", compact = false }: { initialCode?: string; compact?: boolean }) {
  const navigate = useNavigate();
  const qc = useQueryClient();
  const [code, setCode] = useState(formatPairingCode(initialCode));
  const [name, setName] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const claim = useMutation({
    mutationFn: () => frames.claim(formatPairingCode(code), name.trim()),
    onSuccess: (frame) => {
      void qc.invalidateQueries({ queryKey: qk.frames });
      void qc.invalidateQueries({ queryKey: qk.dashboard });
      navigate(`/frames/${frame.frameId}`, { state: { paired: true } });
    },
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    const p = pairingCodeProblem(code);
    setProblem(p);
    if (!p) claim.mutate();
  }
  return (
    <form onSubmit={submit} className={compact ? "" : "card"} aria-label="Pair a frame">
      {!compact && <p>Your frame shows a code and a QR code when it's ready to pair. Type the code here.</p>}
      <ErrorAlert error={claim.isError && !fieldError(claim.error, "code") && !fieldError(claim.error, "name") ? claim.error : null} />
      <TextField
        label="Code on the frame"
        hint="8 letters and digits, like K7QM-T4ZP."
        value={code}
        autoCapitalize="characters"
        autoComplete="off"
        spellCheck={false}
        required
        onChange={(e) => setCode(formatPairingCode(e.target.value))}
        error={problem ?? fieldError(claim.error, "code")}
      />
      <TextField
        label="Name for the frame"
        hint="For example Kitchen or Grandma's hallway."
        value={name}
        maxLength={40}
        required
        onChange={(e) => setName(e.target.value)}
        error={fieldError(claim.error, "name")}
      />
      <button type="submit" className="button-primary" disabled={claim.isPending}>
        {claim.isPending ? "Pairing…" : "Pair frame"}
      </button>
    </form>
  );
}

export default function ClaimFramePage() {
  const [params] = useSearchParams();
  return (
    <section className="narrow">
      <PageHeader title="Pair a frame" />
      <PairFrameForm initialCode={params.get("code") ?? ""} />
    </section>
  );
}
