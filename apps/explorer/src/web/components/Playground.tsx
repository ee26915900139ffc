import { useState } from "react";
import type { PlaygroundAnswer, PlaygroundRequest } from "../../shared/types";
import { noos, short } from "../api";

export function Playground() {
  const [prompt, setPrompt] = useState("The old man");
  const [answer, setAnswer] = useState<PlaygroundAnswer>();
  const [busy, setBusy] = useState(false);
  const [image, setImage] = useState<string>();
  // Numbers the answers, so that a reader (or a test) can tell a new answer from the last one.
  const [answered, setAnswered] = useState(0);

  async function send(req: PlaygroundRequest) {
    setBusy(true);
    try {
      const res = await fetch("/api/playground", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(req),
      });
      const body = (await res.json()) as PlaygroundAnswer | { error?: { message?: string } };
      // The API's own refusals (no gateway, bad request) carry { error: { message } }.
      if (!res.ok) {
        const message = typeof body.error === "object" ? body.error?.message : body.error;
        setAnswer({ text: "", latencyMs: 0, error: message ?? `the explorer answered ${res.status}` });
      } else setAnswer(body as PlaygroundAnswer);
    } catch (err) {
      setAnswer({ text: "", latencyMs: 0, error: (err as Error).message });
    } finally {
      setAnswered((n) => n + 1);
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
        <input
          aria-label="image"
          type="file"
          accept="image/png,image/jpeg"
          onChange={(e) => onFile(e.target.files?.[0])}
        />
        <button disabled={busy || !image} onClick={() => send({ kind: "ocr", imageBase64: image })}>
          Read image
        </button>
      </div>
      {answer && (
        <div
          className="answer"
          data-testid="playground-answer"
          data-state={answer.error ? "error" : "ok"}
          data-answer={answered}
        >
          {answer.error ? (
            <p className="error">{answer.error}</p>
          ) : (
            <>
              <pre>{answer.text}</pre>
              <p className="muted">
                {answer.latencyMs} ms · cost {noos(answer.charged, 6)} NOOS · {answer.model ?? "?"} · miner{" "}
                <span title={answer.miner}>{answer.miner ? short(answer.miner) : "?"}</span>
              </p>
            </>
          )}
        </div>
      )}
    </section>
  );
}
