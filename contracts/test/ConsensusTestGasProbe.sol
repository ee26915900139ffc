// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;
import {ONE, HALF} from "../consensus/ConsensusTypes.sol";
contract ConsensusTestGasProbe {
    function lanes(uint256 reps) external view returns (uint256 g, uint256 packed) {
        uint256[] memory cols4 = new uint256[](64);
        uint256[] memory nbs = new uint256[](16);
        uint256[] memory f = new uint256[](9);
        for (uint256 c = 0; c < 16; ++c) cols4[c * 4] = (c + 1) * 1e15;
        f[0] = ONE / 10; f[1] = ONE; f[2] = 4_000_000;
        uint256 pC0; uint256 pNB; uint256 fp;
        assembly { pC0 := add(cols4, 32) pNB := add(nbs, 32) fp := add(f, 32) }
        uint256 w = 0x1234_5678_9abc_def0_1234_5678_9abc_def0_1234_5678_9abc_def0_1234_5678_9abc_def0;
        uint256 old = 0x2234_5678_9abc_def0_1234_5678_9abc_def0_1234_5678_9abc_def0_1234_5678_9abc_def0;
        g = gasleft();
        for (uint256 r = 0; r < reps; ++r) packed = _lanes(w, old, pC0, pC0 + 2048, pNB, fp);
        g = (g - gasleft()) / reps / 16;
    }

    function _lanes(uint256 w, uint256 old, uint256 pC, uint256 end, uint256 pNB, uint256 f)
        private pure returns (uint256 packed)
    {
        assembly ("memory-safe") {
            let a := mload(f)
            for { let sh := 0 } lt(pC, end) {
                pC := add(pC, 128)
                pNB := add(pNB, 32)
                sh := add(sh, 16)
            } {
                let raw := and(shr(sh, w), 0xffff)
                let o := and(shr(sh, old), 0xffff)
                if or(raw, o) {
                    let x := 0
                    if raw { x := div(mul(raw, ONE), mload(add(f, 0x40))) }
                    let cword := mload(pC)
                    let cw := and(cword, 0xffffffffffffffffffffffffffffffff)
                    if lt(x, cw) { cw := x }
                    let wb := sub(x, div(mul(sub(x, cw), mload(add(f, 0x20))), ONE))
                    let b := 0
                    if iszero(shr(255, cword)) { b := div(mul(o, ONE), 65535) }
                    let nb := div(add(mul(sub(ONE, a), b), mul(a, wb)), ONE)
                    if nb {
                        mstore(pNB, nb)
                        let cs := add(pC, 32)
                        mstore(cs, add(mload(cs), nb))
                        packed := or(packed, shl(sh, div(add(mul(nb, 65535), HALF), ONE)))
                    }
                }
            }
        }
    }
}
