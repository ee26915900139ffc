// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title TopStake
/// @notice Selects the `k` largest stakes at or above a minimum, in memory, in O(n log k).
/// @dev Each candidate is packed into one word, `stake << 16 | (0xFFFF - index)`, so that a larger
/// word is a better candidate: more stake, then (at equal stake) the lower index. A min-heap of the
/// `k` best words seen so far keeps the worst selected candidate at its root. Stakes are clamped to
/// 2^240 - 1 for the packing; stakes that large (beyond any token supply) tie and fall back to the
/// lower index.
library TopStake {
    uint256 private constant STAKE_CAP = type(uint240).max;
    uint256 private constant INDEX_MASK = 0xFFFF;

    error TopStakeTooManyCandidates(uint256 n);

    /// @notice permits[i] is true for the `k` largest `stakes[i]` that are >= `minStake`
    /// (ties: the lower index). `stakes` may hold at most 65,536 entries.
    function select(
        uint256[] memory stakes,
        uint256 k,
        uint256 minStake
    ) internal pure returns (bool[] memory permits) {
        uint256 n = stakes.length;
        if (n > INDEX_MASK + 1) revert TopStakeTooManyCandidates(n);
        permits = new bool[](n);
        uint256 eligible;
        for (uint256 i = 0; i < n; ++i) {
            if (stakes[i] >= minStake) ++eligible;
        }
        if (eligible <= k) {
            for (uint256 i = 0; i < n; ++i) {
                if (stakes[i] >= minStake) permits[i] = true;
            }
            return permits;
        }
        // Here eligible > k >= 0; k == 0 selects nobody.
        if (k == 0) return permits;
        uint256[] memory heap = new uint256[](k);
        uint256 size;
        for (uint256 i = 0; i < n; ++i) {
            uint256 stake = stakes[i];
            if (stake < minStake) continue;
            uint256 key = ((stake > STAKE_CAP ? STAKE_CAP : stake) << 16) | (INDEX_MASK - i);
            if (size < k) {
                heap[size] = key;
                _siftUp(heap, size);
                ++size;
            } else if (key > heap[0]) {
                heap[0] = key;
                _siftDown(heap, size);
            }
        }
        for (uint256 j = 0; j < size; ++j) {
            permits[INDEX_MASK - (heap[j] & INDEX_MASK)] = true;
        }
    }

    function _siftUp(uint256[] memory heap, uint256 pos) private pure {
        uint256 key = heap[pos];
        while (pos > 0) {
            uint256 parent;
            // pos > 0, so pos - 1 cannot underflow.
            unchecked {
                parent = (pos - 1) >> 1;
            }
            uint256 parentKey = heap[parent];
            if (parentKey <= key) break;
            heap[pos] = parentKey;
            pos = parent;
        }
        heap[pos] = key;
    }

    function _siftDown(uint256[] memory heap, uint256 size) private pure {
        uint256 pos = 0;
        uint256 key = heap[0];
        while (true) {
            uint256 child;
            // pos < size <= 65,536 (heap indices), so 2 * pos + 2 cannot overflow.
            unchecked {
                child = 2 * pos + 1;
            }
            if (child >= size) break;
            uint256 right;
            unchecked {
                right = child + 1;
            }
            if (right < size && heap[right] < heap[child]) child = right;
            uint256 childKey = heap[child];
            if (key <= childKey) break;
            heap[pos] = childKey;
            pos = child;
        }
        heap[pos] = key;
    }
}
