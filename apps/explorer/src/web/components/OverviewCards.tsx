import type { Overview } from "../../shared/types";
import { noos, usePolled } from "../api";

export function OverviewCards() {
  const { data, error } = usePolled<Overview>("/api/overview");
  const cards: [string, string][] = [
    ["Block", data ? data.block.toLocaleString("en-US") : "…"],
    ["Supply / cap", data ? `${noos(data.supply, 0)} / ${noos(data.cap, 0)}` : "…"],
    ["Block reward", `${noos(data?.blockReward, 4)} NOOS`],
    ["Next halving at supply", `${noos(data?.nextHalvingAt, 0)} NOOS`],
    ["Emission per day", `${noos(data?.emissionPerDay, 0)} NOOS`],
    ["Burned per day", `${noos(data?.burnedPerDay)} NOOS`],
    ["Minted by billing per day", `${noos(data?.mintedPerDay)} NOOS`],
  ];
  return (
    <section aria-label="network overview">
      <h2>Network</h2>
      {error && <p className="error">{error}</p>}
      <div className="cards">
        {cards.map(([label, value]) => (
          <div className="card" key={label} data-testid={`overview-${label}`}>
            <div className="label">{label}</div>
            <div className="value">{value}</div>
          </div>
        ))}
      </div>
    </section>
  );
}
