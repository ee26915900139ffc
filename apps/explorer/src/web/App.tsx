import { useState } from "react";
import { BillingTable } from "./components/BillingTable";
import { OverviewCards } from "./components/OverviewCards";
import { Playground } from "./components/Playground";
import { Proposals } from "./components/Proposals";
import { SubnetDetail } from "./components/SubnetDetail";
import { SubnetList } from "./components/SubnetList";

export function App() {
  const [netuid, setNetuid] = useState(1);
  return (
    <main>
      <header>
        <h1>Noosphere</h1>
        <span className="muted">open network for paid AI inference</span>
      </header>
      <OverviewCards />
      <SubnetList selected={netuid} onSelect={setNetuid} />
      <SubnetDetail netuid={netuid} />
      <Playground />
      <BillingTable />
      <Proposals />
    </main>
  );
}
