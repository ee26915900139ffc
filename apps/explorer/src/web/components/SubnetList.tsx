import type { SubnetSummary } from "../../shared/types";
import { short, usePolled } from "../api";

export function SubnetList(props: { selected?: number; onSelect: (netuid: number) => void }) {
  const { data, error } = usePolled<SubnetSummary[]>("/api/subnets");
  return (
    <section aria-label="subnets">
      <h2>Subnets</h2>
      {error && <p className="error">{error}</p>}
      <table>
        <thead>
          <tr>
            <th>netuid</th>
            <th>task</th>
            <th>owner</th>
            <th>tempo</th>
            <th>neurons</th>
            <th>emission share</th>
            <th>epoch</th>
          </tr>
        </thead>
        <tbody>
          {(data ?? []).map((s) => (
            <tr
              key={s.netuid}
              className={s.netuid === props.selected ? "selected" : ""}
              onClick={() => props.onSelect(s.netuid)}
              data-testid={`subnet-${s.netuid}`}
            >
              <td>{s.netuid}</td>
              <td>{s.taskId}</td>
              <td title={s.owner}>{short(s.owner)}</td>
              <td>{s.tempo}</td>
              <td>
                {s.neurons}/{s.maxUids}
              </td>
              <td>{(s.emissionShareBps / 100).toFixed(2)}%</td>
              <td>{s.epoch}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
