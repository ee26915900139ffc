import type { SubnetDetail } from "../../shared/types";

/** Validators down, UIDs across; darker = more weight. */
export function WeightsHeatmap(props: { weights: SubnetDetail["weights"]; uids: number[] }) {
  const { validatorUids, rows } = props.weights;
  if (validatorUids.length === 0) return <p className="muted">No weights revealed yet.</p>;
  return (
    <figure className="heatmap" aria-label="weights heat map">
      <figcaption>Revealed weights (validator × UID)</figcaption>
      <table>
        <thead>
          <tr>
            <th />
            {props.uids.map((uid) => (
              <th key={uid}>{uid}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={validatorUids[i]}>
              <th>v{validatorUids[i]}</th>
              {row.map((w, j) => (
                <td
                  key={j}
                  title={`validator ${validatorUids[i]} → uid ${props.uids[j]}: ${(w * 100).toFixed(1)}%`}
                  style={{ background: `rgba(64, 96, 255, ${Math.min(1, w * 1.5)})` }}
                />
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
