// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;
import {ONE} from "../consensus/ConsensusTypes.sol";
contract ConsensusTestGasProbe {
    function gather(uint256 voters, uint256 slots) external view returns (uint256 g, uint256 count) {
        uint256[] memory rows = new uint256[](voters * slots);
        uint256[] memory info = new uint256[](voters);
        uint256[] memory entries = new uint256[](voters);
        for (uint256 i = 0; i < voters; ++i) {
            info[i] = ((ONE / voters) << 128) | 4_000_000;
            for (uint256 s = 0; s < slots; ++s) rows[i * slots + s] = uint256(keccak256(abi.encode(i, s))) | 1;
        }
        uint256 rPtr; uint256 iPtr; uint256 ePtr;
        assembly { rPtr := add(rows, 32) iPtr := add(info, 32) ePtr := add(entries, 32) }
        g = gasleft();
        for (uint256 c = 0; c < 16; ++c) {
            uint256 total;
            (count, total) = _gather(rPtr + ((c >> 4) << 5), slots << 5, iPtr, voters, c, ePtr);
        }
        g = (g - gasleft()) / 16;
    }

    function _gather(uint256 rows, uint256 stride, uint256 info, uint256 voters, uint256 c, uint256 ePtr)
        private pure returns (uint256 count, uint256 total)
    {
        uint256 end = rows + stride * voters;
        assembly ("memory-safe") {
            let sh := shl(4, and(c, 15))
            let out := ePtr
            for {} lt(rows, end) {
                rows := add(rows, stride)
                info := add(info, 32)
            } {
                let raw := and(shr(sh, mload(rows)), 0xffff)
                if raw {
                    let i := mload(info)
                    let x := div(mul(raw, ONE), and(i, 0xffffffffffffffffffffffffffffffff))
                    if x {
                        let s := shr(128, i)
                        mstore(out, or(shl(128, x), s))
                        out := add(out, 32)
                        total := add(total, s)
                    }
                }
            }
            count := shr(5, sub(out, ePtr))
        }
    }
}
