// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IEmission} from "../interfaces/IEmission.sol";
import {IStaking} from "../interfaces/IStaking.sol";
import {ISubnets} from "../interfaces/ISubnets.sol";
import {Consensus} from "../consensus/Consensus.sol";
import {SubnetState, RowMeta} from "../consensus/ConsensusTypes.sol";

/// @notice Consensus with test-only setters, for the consensus tests only: writes weight rows, bonds,
/// permits and stored consensus directly, so differential tests can set 64 validators' rows without
/// 64 commit-reveal rounds. Never deployed outside tests.
contract ConsensusTestHarness is Consensus {
    constructor(IERC20 token_, IEmission emission_, IStaking staking_, ISubnets subnets_, address admin)
        Consensus(token_, emission_, staking_, subnets_, admin)
    {}

    /// @notice Test only: the stored state of UIDs from..to-1 at once: row metadata, weights and bonds
    /// (16 packed words per UID), and the stored consensus (u16, 16 words).
    function testState(uint16 netuid, uint16 from, uint16 to)
        external
        view
        returns (RowMeta[] memory metas, uint256[] memory weights, uint256[] memory bonds, uint256[16] memory consensusU16)
    {
        SubnetState storage st = _subnets[netuid];
        uint256 count = to - from;
        metas = new RowMeta[](count);
        weights = new uint256[](count * 16);
        bonds = new uint256[](count * 16);
        for (uint256 i = 0; i < count; ++i) {
            uint16 uid = uint16(from + i);
            metas[i] = st.rowMeta[uid];
            for (uint256 t = 0; t < 16; ++t) {
                weights[i * 16 + t] = st.weights[uid][t];
                bonds[i * 16 + t] = st.bonds[uid][t];
            }
        }
        consensusU16 = st.consensusU16;
    }

    /// @notice Test only: the registration block of every UID as the last START saw it (its snapshot).
    function testSnapshotRegistered(uint16 netuid) external view returns (uint64[] memory registered) {
        SubnetState storage st = _subnets[netuid];
        uint256 n = st.snapshot.n;
        registered = new uint64[](n);
        for (uint256 uid = 0; uid < n; ++uid) registered[uid] = uint64(st.registered[uid >> 2] >> ((uid & 3) << 6));
    }

    /// @notice Test only: sets `uid`'s row (dense, one u16 per UID) as revealed at `setBlock` by the holder
    /// registered at `holderRegisteredAt`.
    function testSetRow(uint16 netuid, uint16 uid, uint16[] calldata row, uint64 setBlock, uint64 holderRegisteredAt)
        external
    {
        SubnetState storage st = _subnets[netuid];
        uint256 sum;
        uint256 slots;
        uint256 own = uid < row.length ? row[uid] : 0;
        for (uint256 t = 0; t < 16; ++t) {
            uint256 word;
            for (uint256 l = 0; l < 16; ++l) {
                uint256 j = (t << 4) + l;
                if (j < row.length) {
                    word |= uint256(row[j]) << (l << 4);
                    sum += row[j];
                }
            }
            st.weights[uid][t] = word;
            if (word != 0) slots |= 1 << t;
        }
        st.rowMeta[uid] = RowMeta({
            setBlock: setBlock,
            holderRegisteredAt: holderRegisteredAt,
            sum: uint32(sum),
            span: uint16((row.length + 15) >> 4),
            slots: uint16(slots),
            ownWeight: uint16(own)
        });
    }

    /// @notice Test only: sets `uid`'s stored bonds (dense u16 row).
    function testSetBonds(uint16 netuid, uint16 uid, uint16[] calldata row) external {
        SubnetState storage st = _subnets[netuid];
        for (uint256 t = 0; t < 16; ++t) {
            uint256 word;
            for (uint256 l = 0; l < 16; ++l) {
                uint256 j = (t << 4) + l;
                if (j < row.length) word |= uint256(row[j]) << (l << 4);
            }
            st.bonds[uid][t] = word;
        }
    }

    /// @notice Test only: sets the permits the next epoch uses (bit u: UID u).
    function testSetPermits(uint16 netuid, uint256 bits) external {
        _subnets[netuid].run.permits = bits;
    }

    /// @notice Test only: sets the stored consensus (u16) the next epoch's liquid alpha may compare with.
    function testSetConsensusU16(uint16 netuid, uint16[] calldata values) external {
        SubnetState storage st = _subnets[netuid];
        for (uint256 t = 0; t < 16; ++t) {
            uint256 word;
            for (uint256 l = 0; l < 16; ++l) {
                uint256 j = (t << 4) + l;
                if (j < values.length) word |= uint256(values[j]) << (l << 4);
            }
            st.consensusU16[t] = word;
        }
    }
}
