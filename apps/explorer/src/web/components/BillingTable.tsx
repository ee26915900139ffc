import type { BillingRow } from "../../shared/types";
import { noos, short, usePolled } from "../api";

export function BillingTable() {
  const { data, error } = usePolled<BillingRow[]>("/api/billing/weekly", 5000);
  return (
    <section aria-label="billing">
      <h2>Billing by week</h2>
      {error && <p className="error">{error}</p>}
      {data && data.length === 0 && <p className="muted">No voucher redeemed yet.</p>}
      <table>
        <thead>
          <tr>
            <th>week</th>
            <th>role</th>
            <th>account</th>
            <th>burned</th>
            <th>minted</th>
            <th>redemptions</th>
          </tr>
        </thead>
        <tbody>
          {(data ?? []).map((r) => (
            <tr key={`${r.week}-${r.role}-${r.party}`}>
              <td>{r.week}</td>
              <td>{r.role}</td>
              <td title={r.party}>{short(r.party)}</td>
              <td>{noos(r.burned, 4)}</td>
              <td>{noos(r.minted, 4)}</td>
              <td>{r.requests}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
