// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {BillingSigners} from "./BillingSigners.sol";

/// @title BillingAllotments
/// @notice A client's escrow is split into a free balance (deposits land there; only withdrawals take
/// from it) and one allotment per miner (only that miner's redemptions take from it). A miner serves a
/// client while its unredeemed vouchers fit its own allotment (less the part thawing), so no other
/// miner's redemption and no withdrawal can leave its work unpaid: with one shared balance, N miners
/// could each serve up to the whole escrow and the first to redeem took it (The Graph's GraphTally
/// keeps escrow per payer and receiver for the same reason).
///
/// The client, or a signer it authorised (a gateway's hot key, which can already sign vouchers for the
/// whole escrow), moves free balance into allotments (`allot`, `allotMany`) and back in two steps
/// (`startUnallot`, then `unallot` once `thawPeriod` has passed): the miner keeps redeeming from the
/// whole allotment meanwhile, and counts on at most amount - thawing.
abstract contract BillingAllotments is BillingSigners {
    /// @dev One (client, miner) allotment in one slot (96 bits hold any amount: the cap, 2.1e25, < 2^96).
    struct Allotment {
        uint96 amount; // redeemable by the miner, thawing part included
        uint96 thawing; // asked back; at most `amount` when asked
        uint64 thawEnd; // when `unallot` may run
    }

    mapping(address client => mapping(address miner => Allotment)) internal _allotments;

    event Allotted(address indexed client, address indexed miner, uint256 amount, uint256 allotment);
    event UnallotStarted(address indexed client, address indexed miner, uint256 amount, uint64 thawEnd);
    event Unallotted(address indexed client, address indexed miner, uint256 amount, uint256 allotment);

    error BillingNotClientOrSigner(address client, address caller);
    error BillingInsufficientFreeEscrow(address client, uint256 free, uint256 needed);
    error BillingInsufficientAllotment(address client, address miner, uint256 allotment, uint256 needed);
    error BillingNothingUnallotting(address client, address miner);
    error BillingLengthMismatch(uint256 miners, uint256 amounts);

    modifier onlyClientOrSigner(address client) {
        if (msg.sender != client && !_isActiveSigner(client, msg.sender)) {
            revert BillingNotClientOrSigner(client, msg.sender);
        }
        _;
    }

    /// @notice Client or its active signer: moves `amount` of `client`'s free escrow (not thawing for a
    /// withdrawal) into `miner`'s allotment.
    function allot(address client, address miner, uint256 amount) external onlyClientOrSigner(client) {
        _allot(client, miner, amount);
    }

    /// @notice `allot` for several miners in one transaction.
    function allotMany(
        address client,
        address[] calldata miners,
        uint256[] calldata amounts
    ) external onlyClientOrSigner(client) {
        if (miners.length != amounts.length) revert BillingLengthMismatch(miners.length, amounts.length);
        for (uint256 i = 0; i < miners.length; ++i) _allot(client, miners[i], amounts[i]);
    }

    /// @notice Client or its active signer: asks `amount` of `miner`'s allotment back (replacing any request
    /// in progress); `unallot` can run `thawPeriod` seconds from now. The miner may redeem from it meanwhile.
    function startUnallot(address client, address miner, uint256 amount) external onlyClientOrSigner(client) {
        if (amount == 0) revert BillingZeroAmount();
        Allotment storage a = _allotments[client][miner];
        uint256 allotment = a.amount;
        if (amount > allotment) revert BillingInsufficientAllotment(client, miner, allotment, amount);
        uint64 thawEnd = uint64(block.timestamp) + thawPeriod;
        // amount <= allotment < 2^96
        a.thawing = uint96(amount);
        a.thawEnd = thawEnd;
        emit UnallotStarted(client, miner, amount, thawEnd);
    }

    /// @notice Client or its active signer, once the thaw is over: moves min(amount asked, allotment) back
    /// to the client's free escrow and clears the request.
    function unallot(address client, address miner) external onlyClientOrSigner(client) returns (uint256 amount) {
        Allotment memory a = _allotments[client][miner];
        if (a.thawing == 0) revert BillingNothingUnallotting(client, miner);
        if (block.timestamp < a.thawEnd) revert BillingThawNotOver(client, a.thawEnd, uint64(block.timestamp));
        amount = a.thawing < a.amount ? a.thawing : a.amount;
        unchecked {
            // amount <= a.amount
            a.amount -= uint96(amount);
        }
        _allotments[client][miner] = Allotment(a.amount, 0, 0);
        // the free balance and every allotment together are at most the contract's balance < 2^96
        _accounts[client].balance += uint96(amount);
        emit Unallotted(client, miner, amount, a.amount);
    }

    /// @notice `miner`'s allotment of `client`'s escrow: what it may redeem (thawing part included), what
    /// an `unallot` would take back of it (min(amount asked, allotment)) and when (0: none asked).
    function allotmentOf(
        address client,
        address miner
    ) external view returns (uint256 amount, uint256 thawing, uint64 thawEnd) {
        Allotment memory a = _allotments[client][miner];
        amount = a.amount;
        thawing = a.thawing < a.amount ? a.thawing : a.amount;
        thawEnd = a.thawEnd;
    }

    function _allot(address client, address miner, uint256 amount) internal {
        if (amount == 0) revert BillingZeroAmount();
        if (miner == address(0)) revert BillingZeroAddress();
        Account storage account = _accounts[client];
        uint256 balance = account.balance;
        uint256 thawing = _thaws[client].amount;
        uint256 free = balance > thawing ? balance - thawing : 0;
        if (amount > free) revert BillingInsufficientFreeEscrow(client, free, amount);
        unchecked {
            // amount <= free <= balance
            account.balance = uint96(balance - amount);
        }
        Allotment storage a = _allotments[client][miner];
        uint96 allotment = SafeCast.toUint96(a.amount + amount);
        a.amount = allotment;
        emit Allotted(client, miner, amount, allotment);
    }
}
