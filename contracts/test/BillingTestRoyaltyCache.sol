// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IRoyaltyCache} from "../interfaces/IModels.sol";

/// @title BillingTestRoyaltyCache
/// @notice TEST ONLY. Records the registry's change notifications.
contract BillingTestRoyaltyCache is IRoyaltyCache {
    event Synced(bytes32 modelHash);
    event Reassigned(bytes32 modelHash);

    /// @inheritdoc IRoyaltyCache
    function syncModel(bytes32 modelHash) external {
        emit Synced(modelHash);
    }

    /// @inheritdoc IRoyaltyCache
    function reassignModel(bytes32 modelHash) external {
        emit Reassigned(modelHash);
    }
}
