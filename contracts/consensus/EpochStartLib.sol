// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IStaking} from "../interfaces/IStaking.sol";
import {ISubnets} from "../interfaces/ISubnets.sol";
import {YumaKernels} from "./YumaKernels.sol";
import {
    SubnetState,
    EpochRun,
    RowMeta,
    MAX_UIDS,
    MAX_VALIDATORS,
    STAGE_CONSENSUS,
    V_STAKE_SHIFT,
    V_SUM_SHIFT,
    V_UPDATE_SHIFT,
    V_ROW_BIT,
    V_PERMIT_BIT,
    V_ACTIVE_BIT,
    V_SLOTS_SHIFT
} from "./ConsensusTypes.sol";

/// @notice The registry's batch view of every neuron (SubnetRegistry.neurons; not in ISubnets).
interface INeurons {
    function neurons(uint16 netuid)
        external
        view
        returns (address[] memory hotkeys, uint64[] memory registeredAts, uint256[] memory lastEmissions);
}

/// @notice The epoch's START stage (ALGORITHM.md steps 1-4): snapshots every neuron (hotkey,
/// registration, stake), filters stakes, computes the next epoch's permits and this epoch's
/// validator words (active stake, last update). Runs by DELEGATECALL on the consensus storage.
library EpochStartLib {
    /// @dev Working set in memory (keeps the stack shallow).
    struct Snapshot {
        uint256 n;
        uint256[] stakes; // filtered stake per UID
        uint256[] registered; // registration block per UID
        uint256 maxRegistered;
        uint256 stakeTotal;
    }

    error ConsensusTooManyUids(uint16 netuid, uint256 n);

    /// @notice Snapshots `netuid` and moves the epoch to the CONSENSUS stage. The caller has checked
    /// that the epoch is due and has written the parameter snapshot (run.params).
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
        (address[] memory hotkeys, uint64[] memory registered, ) = INeurons(address(subnets)).neurons(netuid);
        s.n = hotkeys.length;
        if (s.n > MAX_UIDS) revert ConsensusTooManyUids(netuid, s.n);
        _readNeurons(st, s, hotkeys, registered, staking, minStake);

        EpochRun storage run = st.run;
        uint256 inForce = run.permits;
        uint256 permits = _topStakes(s.stakes, maxValidators > MAX_VALIDATORS ? MAX_VALIDATORS : maxValidators);
        uint256 activeTotal;
        (v, activeTotal) = _writeValidators(st, s, inForce, permits, run.params.activityCutoff);
        if (activeTotal == 0 && s.stakeTotal != 0) _writeStakeBasis(st, s.stakes);

        run.n = uint16(s.n);
        run.v = uint8(v);
        run.stage = STAGE_CONSENSUS;
        run.cursor = 0;
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

    /// @dev Filtered stake of every UID; snapshots hotkeys and registration blocks.
    function _readNeurons(
        SubnetState storage st,
        Snapshot memory s,
        address[] memory hotkeys,
        uint64[] memory registered,
        IStaking staking,
        uint256 minStake
    ) private {
        uint256 n = s.n;
        s.stakes = new uint256[](n);
        s.registered = new uint256[](n);
        _stakesOf(staking, hotkeys, s.stakes, minStake);
        uint256 packed;
        uint256 maxRegistered;
        uint256 stakeTotal;
        for (uint256 uid = 0; uid < n; ++uid) {
            uint256 hotkey = uint160(hotkeys[uid]);
            uint256 reg = registered[uid];
            // invariant: stakes < 2^100 each (capped supply), at most 256: no overflow
            unchecked {
                stakeTotal += s.stakes[uid];
            }
            s.registered[uid] = reg;
            if (reg > maxRegistered) maxRegistered = reg;
            if (st.hotkeys[uid] != hotkey) st.hotkeys[uid] = hotkey;
            packed |= reg << ((uid & 3) << 6);
            if (uid & 3 == 3 || uid + 1 == n) {
                if (st.registered[uid >> 2] != packed) st.registered[uid >> 2] = packed;
                packed = 0;
            }
        }
        s.maxRegistered = maxRegistered;
        s.stakeTotal = stakeTotal;
    }

    /// @dev staking.stakeOf of every hotkey (one STATICCALL each, encoded by hand), below `minStake` as 0.
    function _stakesOf(IStaking staking, address[] memory hotkeys, uint256[] memory out, uint256 minStake)
        private
        view
    {
        bytes4 selector = IStaking.stakeOf.selector;
        assembly ("memory-safe") {
            let n := mload(hotkeys)
            let buf := mload(0x40) // scratch above the free memory pointer, not kept
            mstore(buf, selector)
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                mstore(add(buf, 4), mload(add(hotkeys, shl(5, add(i, 1)))))
                if iszero(staticcall(gas(), staking, buf, 36, buf, 32)) {
                    returndatacopy(0, 0, returndatasize())
                    revert(0, returndatasize())
                }
                if lt(returndatasize(), 32) { revert(0, 0) }
                let stake := mload(buf)
                if lt(stake, minStake) { stake := 0 }
                mstore(add(out, shl(5, add(i, 1))), stake)
                mstore(buf, selector)
            }
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

    /// @dev One word per UID holding a permit this epoch (UID order); returns their count and active stake.
    function _writeValidators(
        SubnetState storage st,
        Snapshot memory s,
        uint256 inForce,
        uint256 permits,
        uint256 cutoff
    ) private returns (uint256 v, uint256 activeTotal) {
        uint256 n = s.n;
        for (uint256 uid = 0; uid < n; ++uid) {
            if ((inForce >> uid) & 1 == 0) continue;
            RowMeta memory rm = st.rowMeta[uint16(uid)];
            bool hasRow = rm.setBlock != 0 && rm.holderRegisteredAt == s.registered[uid];
            uint256 lastUpdate = hasRow ? rm.setBlock : s.registered[uid];
            uint256 word = uid | (lastUpdate << V_UPDATE_SHIFT);
            if (hasRow) {
                word |= (1 << V_ROW_BIT) | (_maskedSum(st, s, uid, rm) << V_SUM_SHIFT) | (uint256(rm.slots) << V_SLOTS_SHIFT);
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

    /// @dev The row's sum without its self-weight and its outdated entries (set no later than the miner's
    /// registration: registeredAt[j] >= the row's block), which the epoch drops (ALGORITHM.md step 5).
    function _maskedSum(SubnetState storage st, Snapshot memory s, uint256 uid, RowMeta memory rm)
        private
        view
        returns (uint256 sum)
    {
        uint256[16] storage row = st.weights[uint16(uid)];
        sum = rm.sum;
        uint256 lastUpdate = rm.setBlock;
        uint256 end = uint256(rm.span) << 4;
        if (end > s.n) end = s.n;
        bool selfMasked;
        if (lastUpdate <= s.maxRegistered) {
            for (uint256 j = 0; j < end; ++j) {
                if (s.registered[j] < lastUpdate) continue;
                if (j == uid) selfMasked = true;
                sum -= (row[j >> 4] >> ((j & 15) << 4)) & 0xffff;
            }
        }
        if (!selfMasked && uid < end && (rm.slots >> (uid >> 4)) & 1 == 1) {
            sum -= (row[uid >> 4] >> ((uid & 15) << 4)) & 0xffff;
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
