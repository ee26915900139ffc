// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {YumaKernels} from "../consensus/YumaKernels.sol";

/// @notice Exposes the consensus selection kernels, for the consensus tests only.
contract ConsensusTestKernels {
    /// @notice quantileAsc over (value, stake) pairs.
    function quantileAsc(uint256[] memory values, uint256[] memory stakes, uint256 need, uint256 seed)
        external
        pure
        returns (uint256 value)
    {
        uint256[] memory e = new uint256[](values.length);
        for (uint256 i = 0; i < values.length; ++i) e[i] = (values[i] << 128) | stakes[i];
        uint256 ptr;
        assembly ("memory-safe") {
            ptr := add(e, 32)
        }
        return YumaKernels.quantileAsc(ptr, values.length, need, seed);
    }

    /// @notice quantileNear over (value, stake) pairs with a guess; also the gas it used.
    function quantileNear(
        uint256[] memory values,
        uint256[] memory stakes,
        uint256 need,
        uint256 guess,
        uint256 seed
    ) external view returns (uint256 value, uint256 gasUsed) {
        uint256[] memory e = new uint256[](values.length);
        for (uint256 i = 0; i < values.length; ++i) e[i] = (values[i] << 128) | stakes[i];
        uint256 ptr;
        assembly ("memory-safe") {
            ptr := add(e, 32)
        }
        gasUsed = gasleft();
        value = YumaKernels.quantileNear(ptr, values.length, need, guess, seed);
        gasUsed -= gasleft();
    }

    /// @notice selectTopDesc over distinct words: the k-th largest.
    function selectTopDesc(uint256[] memory words, uint256 k, uint256 seed) external pure returns (uint256) {
        uint256 ptr;
        assembly ("memory-safe") {
            ptr := add(words, 32)
        }
        return YumaKernels.selectTopDesc(ptr, words.length, k, seed);
    }
}
