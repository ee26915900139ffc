// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {ERC20Capped} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Capped.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {INoosToken} from "../interfaces/INoosToken.sol";

/// @title NOOS, the Noosphere token
/// @notice ERC-20 with a hard cap of 21,000,000 NOOS, EIP-2612 permits, ERC-5805 votes (block-number
/// clock) and burning. Only holders of MINTER_ROLE (the Emission and Billing contracts) mint; the
/// roles are administered by DEFAULT_ADMIN_ROLE (the DAO timelock after deployment).
/// @dev The cap is enforced in `_update` (ERC20Capped) on every mint, so no sequence of calls can
/// push the total supply past it; burning lowers the supply and frees room under the cap.
contract NoosToken is INoosToken, ERC20, ERC20Capped, ERC20Permit, ERC20Votes, ERC20Burnable, AccessControl {
    /// @notice Role allowed to mint.
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");

    /// @notice Hard cap on the total supply: 21,000,000 NOOS (18 decimals).
    uint256 public constant MAX_SUPPLY = 21_000_000e18;

    /// @notice The admin address was zero.
    error NoosTokenZeroAdmin();

    /// @param admin Receives DEFAULT_ADMIN_ROLE (grants MINTER_ROLE to Emission and Billing).
    constructor(address admin) ERC20("Noosphere", "NOOS") ERC20Capped(MAX_SUPPLY) ERC20Permit("Noosphere") {
        if (admin == address(0)) revert NoosTokenZeroAdmin();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @notice Mints `amount` to `to`. Only MINTER_ROLE. Reverts with ERC20ExceededCap past the cap.
    /// @param to Recipient.
    /// @param amount Amount in wei of NOOS.
    function mint(address to, uint256 amount) external onlyRole(MINTER_ROLE) {
        _mint(to, amount);
    }

    /// @notice Burns `value` of the caller's balance.
    /// @param value Amount to burn.
    function burn(uint256 value) public override(ERC20Burnable, INoosToken) {
        super.burn(value);
    }

    /// @notice Burns `value` from `account`, spending the caller's allowance.
    /// @param account Holder whose tokens are burned.
    /// @param value Amount to burn.
    function burnFrom(address account, uint256 value) public override(ERC20Burnable, INoosToken) {
        super.burnFrom(account, value);
    }

    /// @notice The hard cap on total supply (21,000,000e18).
    function cap() public view override(ERC20Capped, INoosToken) returns (uint256) {
        return super.cap();
    }

    /// @notice Current EIP-2612 / delegation nonce of `owner`.
    /// @param owner The account.
    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }

    /// @dev One path for every balance change: cap check on mint (ERC20Capped) and vote checkpoints
    /// (ERC20Votes).
    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Capped, ERC20Votes) {
        super._update(from, to, value);
    }
}
