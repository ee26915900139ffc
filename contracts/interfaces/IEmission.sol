// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Block emission with issuance-driven halvings, accrued per subnet by governance-set shares.
interface IEmission {
    /// @notice Reward per block for a given issuance: 1e18 >> k, k = floor(log2(cap / (cap - issued))); 0 at the cap.
    function blockReward(uint256 issued) external view returns (uint256);

    /// @notice Mints the emission of every block since the last accrual and books it to subnets.
    function accrue() external;

    /// @notice Tokens accrued to `netuid` and not yet pulled (including blocks not yet accrued).
    function pendingEmission(uint16 netuid) external view returns (uint256);

    /// @notice Transfers everything accrued to `netuid` to the caller (DISTRIBUTOR_ROLE: the epoch contract).
    function pull(uint16 netuid) external returns (uint256 amount);

    /// @notice Governance: share of each block's emission for `netuid`, in basis points (sum <= 10,000).
    function setEmissionShare(uint16 netuid, uint16 bps) external;

    function emissionShare(uint16 netuid) external view returns (uint16);
}
