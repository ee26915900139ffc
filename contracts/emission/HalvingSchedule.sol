// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title HalvingSchedule
/// @notice The NOOS block reward as a function of issuance, Bitcoin/TAO style: 1 NOOS per block at
/// first, halving each time issuance closes half of the remaining gap to the cap.
/// @dev Band k holds every `issued` with (cap - issued) * 2^k <= cap < (cap - issued) * 2^(k+1),
/// i.e. k = floor(log2(cap / (cap - issued))) with real division (equal to floor(log2(floor(.))),
/// which is what Math.log2 of the integer quotient gives). Band k starts at T_k = cap - cap / 2^k
/// (integer division): T_1 = 10.5M, T_2 = 15.75M, T_3 = 18.375M NOOS for a 21M cap. The reward of a
/// block is min(INITIAL_REWARD >> k, cap - issued), so issuance never passes the cap.
library HalvingSchedule {
    /// @notice Reward per block in band 0: 1 NOOS.
    uint256 internal constant INITIAL_REWARD = 1e18;

    /// @notice Reward of one block minted when `issued` tokens exist under `cap`; 0 at (or past) the cap.
    function rewardAt(uint256 cap, uint256 issued) internal pure returns (uint256) {
        if (issued >= cap) return 0;
        uint256 remaining = cap - issued;
        uint256 reward = INITIAL_REWARD >> Math.log2(cap / remaining);
        return reward < remaining ? reward : remaining;
    }

    /// @notice Total minted by `blocks` consecutive blocks starting at issuance `issued`, each block
    /// adding its own reward to issuance before the next: exactly the sum of per-block rewards.
    /// @dev Walks whole segments of equal reward, splitting at band thresholds. Each iteration either
    /// uses up `blocks`, moves issuance into a higher band (k only grows, k <= 255), or stops
    /// at the cap, so the loop runs at most ~257 times (61 for the 21M cap and 1e18 start).
    function emissionOver(uint256 cap, uint256 issued, uint256 blocks) internal pure returns (uint256 total) {
        while (blocks != 0 && issued < cap) {
            uint256 remaining = cap - issued;
            uint256 k = Math.log2(cap / remaining);
            uint256 reward = INITIAL_REWARD >> k;
            if (reward == 0) break; // every later band pays 0 as well
            if (reward >= remaining) {
                // The next block mints what is left and reaches the cap.
                total += remaining;
                break;
            }
            // First issuance of band k+1; issued < nextThreshold because issued is in band k.
            // (A shift by 256 gives 0 in Solidity, so k = 255 is safe.)
            uint256 nextThreshold = cap - (cap >> (k + 1));
            uint256 n = Math.ceilDiv(nextThreshold - issued, reward); // blocks until band k+1
            uint256 unclamped = remaining / reward; // blocks whose full reward fits under the cap (>= 1)
            if (unclamped < n) n = unclamped;
            if (blocks < n) n = blocks;
            uint256 minted = n * reward; // <= remaining: no overflow, never past the cap
            total += minted;
            issued += minted;
            blocks -= n;
        }
    }
}
