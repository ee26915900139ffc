// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {INoosToken} from "../interfaces/INoosToken.sol";
import {BillingParams} from "./BillingParams.sol";

/// @title BillingEscrow
/// @notice Clients' NOOS escrow. Anyone deposits for a client; the client withdraws in two steps
/// (`startWithdraw`, then `withdraw` once `thawPeriod` has passed) so that miners can redeem first.
///
/// The thaw rule: funds being withdrawn stay part of the escrow balance, and stay redeemable, until
/// `withdraw` runs. A redemption always takes from the balance and clips the amount thawing to what
/// remains, so `withdraw` pays out min(amount asked, balance left by the miners). One withdrawal thaws
/// at a time: a new `startWithdraw` replaces the amount and restarts the clock.
abstract contract BillingEscrow is BillingParams {
    using SafeERC20 for IERC20;

    /// @dev A client's escrow in one slot: amounts fit 96 bits because the token's cap (2.1e25) < 2^96.
    struct Account {
        uint96 balance; // redeemable by miners, thawing part included
        uint96 thawing; // part of balance asked for by `startWithdraw`, <= balance
        uint64 thawEnd; // when `withdraw` may run
    }

    /// @notice The NOOS token held in escrow, burned on redemption and minted back to payees.
    INoosToken public immutable token;
    mapping(address client => Account) internal _accounts;

    event Deposited(address indexed payer, address indexed client, uint256 amount, uint256 balance);
    event WithdrawStarted(address indexed client, uint256 amount, uint64 thawEnd);
    event WithdrawCancelled(address indexed client, uint256 amount);
    event Withdrawn(address indexed client, uint256 amount, uint256 balance);

    error BillingZeroAmount();
    error BillingInsufficientEscrow(address client, uint256 balance, uint256 needed);
    error BillingNothingThawing(address client);
    error BillingThawNotOver(address client, uint64 thawEnd, uint64 now_);

    constructor(INoosToken token_) {
        if (address(token_) == address(0)) revert BillingZeroAddress();
        token = token_;
    }

    /// @notice Moves `amount` NOOS from the caller (after `approve`) into the caller's escrow.
    function deposit(uint256 amount) external {
        _deposit(msg.sender, msg.sender, amount);
    }

    /// @notice Moves `amount` NOOS from the caller (after `approve`) into `client`'s escrow.
    function depositFor(address client, uint256 amount) external {
        _deposit(msg.sender, client, amount);
    }

    /// @notice `depositFor` with an ERC-2612 permit signed by the caller instead of a prior `approve`.
    /// A permit already used (e.g. front-run) is ignored when the allowance is there anyway.
    function depositWithPermit(
        address client,
        uint256 amount,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external {
        // solhint-disable-next-line no-empty-blocks
        try IERC20Permit(address(token)).permit(msg.sender, address(this), amount, deadline, v, r, s) {} catch {}
        _deposit(msg.sender, client, amount);
    }

    /// @notice Starts thawing `amount` of the caller's escrow (replacing any withdrawal in progress);
    /// `withdraw` can take it `thawPeriod` seconds from now. Miners may redeem from it meanwhile.
    function startWithdraw(uint256 amount) external {
        if (amount == 0) revert BillingZeroAmount();
        Account memory account = _accounts[msg.sender];
        if (amount > account.balance) revert BillingInsufficientEscrow(msg.sender, account.balance, amount);
        uint64 thawEnd = uint64(block.timestamp) + thawPeriod;
        // amount <= balance < 2^96
        account.thawing = uint96(amount);
        account.thawEnd = thawEnd;
        _accounts[msg.sender] = account;
        emit WithdrawStarted(msg.sender, amount, thawEnd);
    }

    /// @notice Stops the caller's withdrawal in progress; the funds stay in escrow.
    function cancelWithdraw() external {
        Account memory account = _accounts[msg.sender];
        if (account.thawing == 0) revert BillingNothingThawing(msg.sender);
        uint256 amount = account.thawing;
        account.thawing = 0;
        account.thawEnd = 0;
        _accounts[msg.sender] = account;
        emit WithdrawCancelled(msg.sender, amount);
    }

    /// @notice Pays the caller what is left of its thawed withdrawal once the thaw period is over.
    function withdraw() external returns (uint256 amount) {
        Account memory account = _accounts[msg.sender];
        amount = account.thawing;
        if (amount == 0) revert BillingNothingThawing(msg.sender);
        if (block.timestamp < account.thawEnd) {
            revert BillingThawNotOver(msg.sender, account.thawEnd, uint64(block.timestamp));
        }
        unchecked {
            // thawing <= balance is kept by startWithdraw and by every redemption
            account.balance -= account.thawing;
        }
        account.thawing = 0;
        account.thawEnd = 0;
        _accounts[msg.sender] = account;
        IERC20(address(token)).safeTransfer(msg.sender, amount);
        emit Withdrawn(msg.sender, amount, account.balance);
    }

    /// @notice `client`'s escrow: its balance (redeemable, thawing part included), the amount thawing
    /// and when that amount can be withdrawn.
    function escrowOf(address client) external view returns (uint256 balance, uint256 thawing, uint64 thawEnd) {
        Account memory account = _accounts[client];
        return (account.balance, account.thawing, account.thawEnd);
    }

    function _deposit(address payer, address client, uint256 amount) internal {
        if (amount == 0) revert BillingZeroAmount();
        if (client == address(0)) revert BillingZeroAddress();
        Account storage account = _accounts[client];
        uint96 balance = SafeCast.toUint96(account.balance + amount);
        account.balance = balance;
        IERC20(address(token)).safeTransferFrom(payer, address(this), amount);
        emit Deposited(payer, client, amount, balance);
    }
}
