// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {INoosToken} from "../interfaces/INoosToken.sol";
import {BillingParams} from "./BillingParams.sol";

/// @title BillingEscrow
/// @notice Clients' NOOS escrow: the free balance. Anyone deposits for a client; the client moves free
/// balance into per-miner allotments (BillingAllotments), which are all that miners redeem from, and
/// withdraws the rest in two steps (`startWithdraw`, then `withdraw` once `thawPeriod` has passed), so that
/// a gateway allotting for the client sees a withdrawal coming.
///
/// The thaw rule: `startWithdraw(amount)` only records a request; the funds stay in the free balance (an
/// allotment may not take the part thawing) until `withdraw` runs. `withdraw` then pays min(amount asked,
/// free balance at that moment) and clears the request. One request at a time: a new `startWithdraw`
/// replaces the amount and restarts the clock.
abstract contract BillingEscrow is BillingParams {
    using SafeERC20 for IERC20;

    /// @dev A client's escrow in one slot (96 bits hold any amount: the token's cap, 2.1e25, < 2^96).
    /// `signer` is the client's first authorised signer, kept here so that a redemption checks it with
    /// the slot it reads anyway (BillingSigners manages it).
    struct Account {
        uint96 balance; // free: not allotted to any miner (amount thawing included)
        address signer;
    }

    /// @dev A withdrawal request.
    struct Thaw {
        uint96 amount; // asked for, <= balance when asked
        uint64 end; // when `withdraw` may run
    }

    /// @notice The NOOS token held in escrow, burned on redemption and minted back to payees.
    INoosToken public immutable token;
    mapping(address client => Account) internal _accounts;
    mapping(address client => Thaw) internal _thaws;

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

    /// @notice Asks to withdraw `amount` of the caller's free escrow (replacing any request in progress);
    /// `withdraw` can run `thawPeriod` seconds from now.
    function startWithdraw(uint256 amount) external {
        if (amount == 0) revert BillingZeroAmount();
        uint256 balance = _accounts[msg.sender].balance;
        if (amount > balance) revert BillingInsufficientEscrow(msg.sender, balance, amount);
        uint64 thawEnd = uint64(block.timestamp) + thawPeriod;
        // amount <= balance < 2^96
        _thaws[msg.sender] = Thaw(uint96(amount), thawEnd);
        emit WithdrawStarted(msg.sender, amount, thawEnd);
    }

    /// @notice Drops the caller's withdrawal request; the funds stay in escrow.
    function cancelWithdraw() external {
        uint256 amount = _thaws[msg.sender].amount;
        if (amount == 0) revert BillingNothingThawing(msg.sender);
        delete _thaws[msg.sender];
        emit WithdrawCancelled(msg.sender, amount);
    }

    /// @notice Once the thaw is over, pays the caller min(amount asked, escrow balance) and clears the request.
    function withdraw() external returns (uint256 amount) {
        Thaw memory thaw = _thaws[msg.sender];
        if (thaw.amount == 0) revert BillingNothingThawing(msg.sender);
        if (block.timestamp < thaw.end) revert BillingThawNotOver(msg.sender, thaw.end, uint64(block.timestamp));
        delete _thaws[msg.sender];
        Account storage account = _accounts[msg.sender];
        uint96 balance = account.balance;
        amount = thaw.amount < balance ? thaw.amount : balance;
        unchecked {
            // amount <= balance
            balance -= uint96(amount);
        }
        account.balance = balance;
        if (amount != 0) IERC20(address(token)).safeTransfer(msg.sender, amount);
        emit Withdrawn(msg.sender, amount, balance);
    }

    /// @notice `client`'s free escrow: its balance (not allotted, thawing part included), what a withdrawal would
    /// take of it (min(amount asked, balance)) and when that withdrawal may run (0: none asked).
    function escrowOf(address client) external view returns (uint256 balance, uint256 thawing, uint64 thawEnd) {
        balance = _accounts[client].balance;
        Thaw memory thaw = _thaws[client];
        thawing = thaw.amount < balance ? thaw.amount : balance;
        thawEnd = thaw.end;
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
