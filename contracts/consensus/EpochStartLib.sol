// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IStaking} from "../interfaces/IStaking.sol";
import {ISubnets} from "../interfaces/ISubnets.sol";
import {YumaKernels} from "./YumaKernels.sol";
import {HotkeySnapshot} from "./HotkeySnapshot.sol";
import {
    SubnetState,
    EpochRun,
    RowMeta,
    NeuronSnapshot,
    MAX_UIDS,
    MAX_VALIDATORS,
    STAGE_PASS,
    V_STAKE_SHIFT,
    V_SUM_SHIFT,
    V_UPDATE_SHIFT,
    V_ROW_BIT,
    V_PERMIT_BIT,
    V_ACTIVE_BIT,
    V_SLOTS_SHIFT,
    V_STALE_BIT,
    MASK64
} from "./ConsensusTypes.sol";

/// @notice The registry's batch view of every neuron (SubnetRegistry.neurons; not in ISubnets).
interface INeurons {
    function neurons(uint16 netuid)
        external
        view
        returns (address[] memory hotkeys, uint64[] memory registeredAts, uint256[] memory lastEmissions);
}

/// @notice The epoch's START stage (ALGORITHM.md steps 1-4): snapshots every neuron (hotkey,
/// registration, stake: one batch call to Staking), filters stakes, computes the next epoch's permits and this epoch's
/// validator words (active stake, last update, row sum). Runs by DELEGATECALL on the consensus storage.
/// @dev Rows revealed no later than some miner's registration keep their outdated entries in their sum
/// (V_STALE_BIT): the first PASS step drops them, so that START never reads weight rows.
library EpochStartLib {
    /// @dev Working set in memory (keeps the stack shallow).
    struct Snapshot {
        uint256 n;
        uint256[] stakes; // filtered stake per UID
        uint64[] registered; // registration block per UID
        uint256 maxRegistered;
        uint256 stakeTotal;
    }

    error ConsensusTooManyUids(uint16 netuid, uint256 n);

    /// @notice Snapshots `netuid` and moves the epoch to the PASS stage. The caller has checked that the
    /// epoch is due and has written the parameter snapshot (run.params).
    /// @return v permit holders whose rows this epoch processes
    function start(
        SubnetState storage st,
        uint16 netuid,
        ISubnets subnets,
        IStaking staking,
        uint256 maxValidators,
        uint256 minStake
    ) external returns (uint256 v) {
        Snapshot memory s;
        (address[] memory hotkeys, uint256 replaced) = _neurons(st, s, netuid, subnets);
        _readStakes(s, staking.stakesOf(hotkeys), minStake);

        EpochRun storage run = st.run;
        uint256 inForce = _permitsInForce(st, run.permits, replaced);
        uint256 permits = _topStakes(s.stakes, maxValidators > MAX_VALIDATORS ? MAX_VALIDATORS : maxValidators);
        uint256 activeTotal;
        bool stale;
        (v, activeTotal, stale) = _writeValidators(st, s, inForce, permits, run.params.activityCutoff);
        if (activeTotal == 0 && s.stakeTotal != 0) _writeStakeBasis(st, s.stakes);

        run.n = uint16(s.n);
        run.v = uint8(v);
        run.stage = STAGE_PASS;
        run.cursor = 0;
        run.liquid = false;
        run.stale = stale;
        run.inForce = inForce;
        run.permits = permits;
        run.activeTotal = activeTotal;
        run.stakeTotal = s.stakeTotal;
        run.rankTotal = 0;
        run.incentiveTotal = 0;
        run.scoreTotal = 0;
        run.xTotal = 0;
        run.paid = 0;
    }

    /// @dev Filtered stakes (below `minStake` count as 0), their total and the latest registration block.
    function _readStakes(Snapshot memory s, uint256[] memory stakes, uint256 minStake) private pure {
        uint256 n = s.n;
        uint256 stakeTotal;
        uint256 maxRegistered;
        for (uint256 uid = 0; uid < n; ++uid) {
            uint256 stake = stakes[uid];
            if (stake < minStake) stakes[uid] = stake = 0;
            // invariant: stakes < 2^100 each (capped supply), at most 256: no overflow
            unchecked {
                stakeTotal += stake;
            }
            uint256 reg = s.registered[uid];
            if (reg > maxRegistered) maxRegistered = reg;
        }
        s.stakes = stakes;
        s.stakeTotal = stakeTotal;
        s.maxRegistered = maxRegistered;
    }

    /// @dev Hotkeys and registration blocks of every UID, from the epoch's own snapshot while the registry
    /// counts no registration since it was taken, else from the registry (the snapshot then rewritten
    /// where it changed). `replaced`: bit u set when UID u of the old snapshot has a new holder (its
    /// registration block changed; UIDs beyond the old snapshot are new, not replaced).
    function _neurons(SubnetState storage st, Snapshot memory s, uint16 netuid, ISubnets subnets)
        private
        returns (address[] memory hotkeys, uint256 replaced)
    {
        uint64 registrations = subnets.registrationCount(netuid);
        NeuronSnapshot storage snap = st.snapshot;
        if (registrations == snap.registrations) return (_fromSnapshot(st, s, snap.n), 0);
        (hotkeys, s.registered, ) = INeurons(address(subnets)).neurons(netuid);
        uint256 n = hotkeys.length;
        if (n > MAX_UIDS) revert ConsensusTooManyUids(netuid, n);
        s.n = n;
        HotkeySnapshot.write(st.hotkeys, hotkeys);
        uint256 known = snap.n;
        uint256 packed;
        for (uint256 uid = 0; uid < n; ++uid) {
            packed |= uint256(s.registered[uid]) << ((uid & 3) << 6);
            if (uid & 3 == 3 || uid + 1 == n) {
                uint256 old = st.registered[uid >> 2];
                if (old != packed) {
                    st.registered[uid >> 2] = packed;
                    uint256 first = uid & ~uint256(3);
                    for (uint256 u = first; u <= uid && u < known; ++u) {
                        uint256 shift = (u & 3) << 6;
                        if ((old >> shift) & MASK64 != (packed >> shift) & MASK64) replaced |= 1 << u;
                    }
                }
                packed = 0;
            }
        }
        snap.registrations = registrations;
        snap.n = uint16(n);
    }

    /// @dev The permits the last START computed, less the UIDs taken over since by a new hotkey, whose bond
    /// rows are zeroed: permits and bonds belong to the holders that START saw (Bittensor clears a replaced
    /// neuron's bonds), so a newcomer collects no dividends on its predecessor's bonds and has no permit
    /// until the next START grants one.
    function _permitsInForce(SubnetState storage st, uint256 permits, uint256 replaced) private returns (uint256) {
        uint256 inherited = permits & replaced;
        if (inherited != 0) _clearBonds(st, inherited);
        return permits & ~replaced;
    }

    /// @dev Zeroes the bond rows of the UIDs in `uids` (only the non-zero slots are written).
    function _clearBonds(SubnetState storage st, uint256 uids) private {
        for (uint256 uid = 0; uids != 0; ++uid) {
            if ((uids >> uid) & 1 == 0) continue;
            uids &= ~(1 << uid);
            uint256[16] storage row = st.bonds[uint16(uid)];
            for (uint256 t = 0; t < 16; ++t) {
                if (row[t] != 0) row[t] = 0;
            }
        }
    }

    function _fromSnapshot(SubnetState storage st, Snapshot memory s, uint256 n)
        private
        view
        returns (address[] memory hotkeys)
    {
        s.n = n;
        hotkeys = new address[](n);
        s.registered = new uint64[](n);
        uint256 buf = HotkeySnapshot.read(st.hotkeys, 0, n);
        uint256 word;
        for (uint256 uid = 0; uid < n; ++uid) {
            hotkeys[uid] = HotkeySnapshot.hotkeyAt(buf, uid);
            if (uid & 3 == 0) word = st.registered[uid >> 2];
            s.registered[uid] = uint64(word >> ((uid & 3) << 6));
        }
    }

    /// @dev Permits: UIDs with non-zero stake ranking among the top `k` by (stake desc, UID desc).
    function _topStakes(uint256[] memory stakes, uint256 k) private view returns (uint256 permits) {
        uint256 n = stakes.length;
        uint256[] memory keys = new uint256[](n);
        uint256 count;
        for (uint256 uid = 0; uid < n; ++uid) {
            uint256 stake = stakes[uid];
            if (stake == 0) continue;
            // stake < 2^100 (capped supply), so the key keeps stake and UID apart; a higher UID ranks first
            keys[count++] = (stake << 8) | uid;
            permits |= 1 << uid;
        }
        if (count <= k) return permits;
        if (k == 0) return 0;
        uint256 ptr;
        assembly ("memory-safe") {
            ptr := add(keys, 32)
        }
        uint256 kth = YumaKernels.selectTopDesc(ptr, count, k, uint256(blockhash(block.number - 1)));
        permits = 0;
        for (uint256 i = 0; i < count; ++i) {
            uint256 key = keys[i];
            if (key >= kth) permits |= 1 << (key & 0xff);
        }
    }

    /// @dev One word per UID holding a permit this epoch (UID order); returns their count, their active
    /// stake and whether some row sum still counts outdated entries.
    /// The row sum drops the self-weight here; outdated entries (set no later than the miner's
    /// registration: registeredAt[j] >= the row's block, ALGORITHM.md step 5) are dropped by the first
    /// PASS step when the row may have some (V_STALE_BIT).
    function _writeValidators(
        SubnetState storage st,
        Snapshot memory s,
        uint256 inForce,
        uint256 permits,
        uint256 cutoff
    ) private returns (uint256 v, uint256 activeTotal, bool stale) {
        uint256 n = s.n;
        for (uint256 uid = 0; uid < n; ++uid) {
            if ((inForce >> uid) & 1 == 0) continue;
            RowMeta memory rm = st.rowMeta[uint16(uid)];
            bool hasRow = rm.setBlock != 0 && rm.holderRegisteredAt == s.registered[uid];
            uint256 lastUpdate = hasRow ? rm.setBlock : s.registered[uid];
            uint256 word = uid | (lastUpdate << V_UPDATE_SHIFT);
            if (hasRow) {
                // invariant: ownWeight is one of the entries summed in rm.sum
                uint256 sum = uint256(rm.sum) - rm.ownWeight;
                word |= (1 << V_ROW_BIT) | (sum << V_SUM_SHIFT) | (uint256(rm.slots) << V_SLOTS_SHIFT);
                if (lastUpdate <= s.maxRegistered && sum != 0) {
                    word |= 1 << V_STALE_BIT;
                    stale = true;
                }
            }
            if ((permits >> uid) & 1 == 1) word |= 1 << V_PERMIT_BIT;
            if (lastUpdate + cutoff >= block.number) {
                word |= (1 << V_ACTIVE_BIT) | (s.stakes[uid] << V_STAKE_SHIFT);
                activeTotal += s.stakes[uid];
            }
            if (st.validators[v] != word) st.validators[v] = word;
            ++v;
        }
    }

    /// @dev Filtered stake of every UID (u128 x 2 per slot): the payout basis when no validator is active.
    function _writeStakeBasis(SubnetState storage st, uint256[] memory stakes) private {
        uint256 n = stakes.length;
        for (uint256 uid = 0; uid < n; uid += 2) {
            uint256 hi = uid + 1 < n ? stakes[uid + 1] : 0;
            st.stakeBasis[uid >> 1] = stakes[uid] | (hi << 128);
        }
    }
}
