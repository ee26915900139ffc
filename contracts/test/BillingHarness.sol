// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {INoosToken} from "../interfaces/INoosToken.sol";
import {IModels} from "../interfaces/IModels.sol";
import {Billing} from "../billing/Billing.sol";

/// @title BillingHarness
/// @notice TEST ONLY. Billing with its internal mint exposed, to prove the mint-within-burns guard.
contract BillingHarness is Billing {
    constructor(
        INoosToken token_,
        IModels models_,
        address treasury_,
        address admin
    ) Billing(token_, models_, treasury_, admin, 1 hours, 1 hours) {}

    /// @notice Calls the internal `_mint` directly.
    function exposedMint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
