// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice The model registry as billing sees it: who earns a model's royalty, and how much.
interface IModels {
    /// @notice Owner of `modelHash` and its royalty share of what billing mints, in basis points
    /// (already capped by governance's maximum); (address(0), 0) for an unregistered model.
    function royaltyOf(bytes32 modelHash) external view returns (address owner, uint16 royaltyBps);

    /// @notice Whether the royalties accrued for `modelHash` may be claimed now (false while the
    /// registration is in its challenge period or contested).
    function royaltyClaimable(bytes32 modelHash) external view returns (bool);
}

/// @notice A contract that caches model royalties (Billing) and must hear when one changes.
interface IRoyaltyCache {
    /// @notice Re-reads `modelHash`'s owner and royalty from the model registry.
    function syncModel(bytes32 modelHash) external;

    /// @notice The registry only: governance reassigned `modelHash`; re-reads it and hands the royalty
    /// accrued so far to the new owner (the previous one was not entitled to it).
    function reassignModel(bytes32 modelHash) external;
}
