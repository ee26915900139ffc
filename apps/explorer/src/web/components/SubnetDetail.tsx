import type { SubnetDetail as Detail } from "../../shared/types";
import { noos, pct, short, usePolled } from "../api";
import { WeightsHeatmap } from "./WeightsHeatmap";

export function SubnetDetail(props: { netuid: number }) {
  const { data, error } = usePolled<Detail>(`/api/subnets/${props.netuid}`);
  return (
    <section aria-label={`subnet ${props.netuid}`}>
      <h2>
        Subnet {props.netuid} {data && <small>· {data.taskId} · epoch {data.epoch}</small>}
      </h2>
      {error && <p className="error">{error}</p>}
      <table data-testid="neurons">
        <thead>
          <tr>
            <th>UID</th>
            <th>hotkey</th>
            <th>stake</th>
            <th>consensus</th>
            <th>incentive</th>
            <th>dividends</th>
            <th>emission</th>
            <th>permit</th>
            <th>axon</th>
            <th>last update</th>
          </tr>
        </thead>
        <tbody>
          {(data?.neuronsTable ?? []).map((n) => (
            <tr key={n.uid} data-testid="neuron-row">
              <td>{n.uid}</td>
              <td title={n.hotkey}>{short(n.hotkey)}</td>
              <td>{noos(n.stake, 0)}</td>
              <td>{pct(n.consensus)}</td>
              <td>{pct(n.incentive)}</td>
              <td>{pct(n.dividends)}</td>
              <td>{noos(n.emission, 3)}</td>
              <td>{n.validatorPermit ? "✓" : ""}</td>
              <td>{n.axon || "—"}</td>
              <td>{n.lastUpdate || "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {data && <WeightsHeatmap weights={data.weights} uids={data.neuronsTable.map((n) => n.uid)} />}
    </section>
  );
}
