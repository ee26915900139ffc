import type { ProposalRow } from "../../shared/types";
import { noos, short, usePolled } from "../api";

export function Proposals() {
  const { data, error } = usePolled<ProposalRow[]>("/api/proposals", 5000);
  return (
    <section aria-label="governance">
      <h2>Governance</h2>
      {error && <p className="error">{error}</p>}
      {data && data.length === 0 && <p className="muted">No proposals yet: noos dao propose …</p>}
      <table>
        <thead>
          <tr>
            <th>proposal</th>
            <th>state</th>
            <th>for</th>
            <th>against</th>
            <th>abstain</th>
            <th>proposer</th>
          </tr>
        </thead>
        <tbody>
          {(data ?? []).map((p) => (
            <tr key={p.id}>
              <td title={p.id}>{p.description}</td>
              <td>{p.state}</td>
              <td>{noos(p.forVotes, 0)}</td>
              <td>{noos(p.againstVotes, 0)}</td>
              <td>{noos(p.abstainVotes, 0)}</td>
              <td title={p.proposer}>{short(p.proposer)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
