import { useState } from "react";
import type { PlaygroundAnswer, PlaygroundRequest } from "../../shared/types";
import { noos } from "../api";

export function Playground() {
  const [prompt, setPrompt] = useState("The old man");
  const [answer, setAnswer] = useState<PlaygroundAnswer>();
  const [busy, setBusy] = useState(false);
  const [image, setImage] = useState<string>();

  async function send(req: PlaygroundRequest) {
    setBusy(true);
    try {
      const res = await fetch("/api/playground", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(req),
      });
      setAnswer((await res.json()) as PlaygroundAnswer);
    } catch (err) {
      setAnswer({ text: "", latencyMs: 0, error: (err as Error).message });
    } finally {
      setBusy(false);
    }
  }

  async function onFile(file: File | undefined) {
    if (!file) return;
    const bytes = new Uint8Array(await file.arrayBuffer());
    let bin = "";
    for (const b of bytes) bin += String.fromCharCode(b);
    setImage(btoa(bin));
  }

  return (
    <section aria-label="playground">
      <h2>Playground</h2>
      <div className="playground">
        <textarea aria-label="prompt" value={prompt} onChange={(e) => setPrompt(e.target.value)} rows={3} />
        <button disabled={busy} onClick={() => send({ kind: "chat", prompt })}>
          {busy ? "…" : "Send prompt"}
        </button>
        <input aria-label="image" type="file" accept="image/png,image/jpeg" onChange={(e) => onFile(e.target.files?.[0])} />
        <button disabled={busy || !image} onClick={() => send({ kind: "ocr", imageBase64: image })}>
          Read image
        </button>
      </div>
      {answer && (
        <div className="answer" data-testid="playground-answer">
          {answer.error ? (
            <p className="error">{answer.error}</p>
          ) : (
            <>
              <pre>{answer.text}</pre>
              <p className="muted">
                {answer.latencyMs} ms · charged {noos(answer.charged, 6)} NOOS · miner {answer.miner ?? "?"}
              </p>
            </>
          )}
        </div>
      )}
    </section>
  );
}
