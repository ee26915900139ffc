import { useEffect, useState } from "react";

/** Fetches `path` now and every `intervalMs` (the page updates live by polling). */
export function usePolled<T>(path: string, intervalMs = 2000): { data?: T; error?: string } {
  const [state, setState] = useState<{ data?: T; error?: string }>({});
  useEffect(() => {
    let stopped = false;
    const load = async () => {
      try {
        const res = await fetch(path);
        const body = await res.json();
        if (!res.ok) throw new Error(body?.error?.message ?? res.statusText);
        if (!stopped) setState({ data: body as T });
      } catch (err) {
        if (!stopped) setState((s) => ({ data: s.data, error: (err as Error).message }));
      }
    };
    void load();
    const timer = setInterval(load, intervalMs);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [path, intervalMs]);
  return state;
}

/** 1e18-unit decimal string -> "1,234.56 NOOS". */
export function noos(amount: string | undefined, digits = 2): string {
  if (amount === undefined) return "…";
  const v = BigInt(amount);
  const whole = v / 10n ** 18n;
  const frac = (v % 10n ** 18n).toString().padStart(18, "0").slice(0, digits);
  return `${whole.toLocaleString("en-US")}${digits > 0 ? "." + frac : ""}`;
}

export function short(address: string): string {
  return address.length > 12 ? `${address.slice(0, 6)}…${address.slice(-4)}` : address;
}

export function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}
