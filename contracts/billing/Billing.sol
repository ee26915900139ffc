// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {INoosToken} from "../interfaces/INoosToken.sol";
import {IModels} from "../interfaces/IModels.sol";
import {BillingParams} from "./BillingParams.sol";
import {BillingEscrow} from "./BillingEscrow.sol";
import {BillingRoyalties} from "./BillingRoyalties.sol";
import {BillingAllotments} from "./BillingAllotments.sol";
import {BillingVouchers} from "./BillingVouchers.sol";

/// @title Billing
/// @notice Burn-on-charge billing. A miner redeems a client's latest cumulative voucher: what it adds over
/// the last redemption is taken from the miner's allotment of the client's escrow and burned, and
/// `paid x mintRatio` is minted back, split between the miner, the model's owner (royalty) and the DAO
/// treasury.
///
/// Rules of a redemption:
/// - owed = upTo - redeemed(client, miner, netuid, tier), where upTo is the voucher's cumulative amount
///   (`redeem`) or a lower total the miner names (`redeemUpTo`: an honest miner redeems what its answered
///   work is worth when a voucher signed for a request that then failed covers more); upTo must be higher
///   than what was redeemed.
/// - paid = min(owed, the miner's allotment of the client's escrow, thawing part included). What the
///   allotment could not cover is lost to the miner (a miner serves a client only while its unredeemed
///   vouchers fit its allotment). With an empty allotment the call reverts instead, so the miner keeps the
///   voucher for after a top-up.
/// - minted = paid x mintRatio; treasury = minted x treasuryBps; royalty = minted x the model's royalty
///   (capped at 10,000 - treasuryBps) for the model the voucher names, or nothing for an unregistered
///   model; the miner gets the rest.
///
/// Cost: a redemption reads and writes four storage slots of this contract (voucher progress with the
/// miner's unclaimed share, the miner's allotment, the ledger, the model's royalty), reads the client's
/// escrow slot for its first signer (not for a voucher the client signed itself), and calls no other contract once the model is known: the burn is
/// settled by `settle` or the next payout, and each payee's share is minted when it claims (pull). A miner
/// claims per (client, netuid, tier) with `claimEarnings`, or at once with `redeemAndClaim`.
/// Invariants: billing's mints <= its burns (checked before every mint); redeemed <= signed; billing never
/// raises the token supply; a miner is paid only from its own allotment.
contract Billing is BillingAllotments, BillingRoyalties, BillingVouchers {
    /// @dev Per (client, miner, netuid, tier): highest cumulative amount redeemed, miner's unclaimed share.
    struct Progress {
        uint128 redeemed;
        uint128 unclaimed;
    }

    /// @dev One (client, netuid, tier) whose earnings a miner claims.
    struct EarningsKey {
        address client;
        uint16 netuid;
        uint8 tier;
    }

    /// @dev How one redemption's mint is shared.
    struct Split {
        uint256 miner;
        uint256 royalty;
        uint256 treasury;
    }

    mapping(address client => mapping(address miner => mapping(uint16 netuid => mapping(uint8 tier => Progress))))
        internal _progress;

    event Redeemed(
        address indexed client,
        address indexed miner,
        uint16 indexed netuid,
        uint8 tier,
        bytes32 model,
        uint256 burned,
        uint256 mintedMiner,
        uint256 mintedRoyalty,
        uint256 mintedTreasury,
        uint256 week
    );

    error BillingNotMiner(address caller, address miner);
    error BillingInvalidSigner(address client, address signer);
    error BillingVoucherNotNewer(uint256 cumulativeAmount, uint256 redeemed);
    error BillingVoucherTooLarge(uint256 cumulativeAmount);
    error BillingAllotmentEmpty(address client, address miner);
    error BillingRedeemAboveVoucher(uint256 upTo, uint256 cumulativeAmount);

    /// @param token_ The NOOS token; this contract needs its MINTER_ROLE.
    /// @param models_ The model registry (address(0) disables royalties).
    /// @param treasury_ Receiver of the treasury share (the DAO timelock).
    /// @param admin Holder of DEFAULT_ADMIN_ROLE and PARAMS_ROLE until handed to the timelock.
    /// @param thawPeriod_ Escrow thaw period, seconds.
    /// @param signerRevokeDelay_ Signer revocation delay, seconds.
    constructor(
        INoosToken token_,
        IModels models_,
        address treasury_,
        address admin,
        uint64 thawPeriod_,
        uint64 signerRevokeDelay_
    ) BillingParams(admin, treasury_, thawPeriod_, signerRevokeDelay_) BillingEscrow(token_) BillingRoyalties(models_) {}

    /// @notice Miner: redeems `voucher` (signed by its client or a signer the client authorised); returns
    /// what was taken from the client's escrow (burned). The miner's share is claimed with `claimEarnings`.
    function redeem(Voucher calldata voucher, bytes calldata signature) external returns (uint256 burned) {
        (burned, ) = _redeem(voucher, signature, voucher.cumulativeAmount);
    }

    /// @notice Miner: `redeem` up to the cumulative total `upTo` (at most the voucher's amount), leaving the
    /// rest of the voucher unclaimed: what a miner's answered work is worth when the voucher it holds also
    /// covered a request that was never answered.
    function redeemUpTo(
        Voucher calldata voucher,
        bytes calldata signature,
        uint256 upTo
    ) external returns (uint256 burned) {
        if (upTo > voucher.cumulativeAmount) revert BillingRedeemAboveVoucher(upTo, voucher.cumulativeAmount);
        (burned, ) = _redeem(voucher, signature, upTo);
    }

    /// @notice Miner: `redeem`, then settle the burn and mint this voucher's unclaimed earnings to the caller.
    function redeemAndClaim(
        Voucher calldata voucher,
        bytes calldata signature
    ) external returns (uint256 burned, uint256 claimed) {
        Progress storage progress;
        (burned, progress) = _redeem(voucher, signature, voucher.cumulativeAmount);
        claimed = progress.unclaimed;
        progress.unclaimed = 0;
        if (claimed == 0) revert BillingNothingToClaim(msg.sender);
        _payOut(msg.sender, msg.sender, claimed);
    }

    /// @notice Miner: mints to `to` its unclaimed shares of the redemptions under `keys`.
    function claimEarnings(EarningsKey[] calldata keys, address to) external returns (uint256 amount) {
        for (uint256 i = 0; i < keys.length; ++i) {
            EarningsKey calldata key = keys[i];
            Progress storage progress = _progress[key.client][msg.sender][key.netuid][key.tier];
            amount += progress.unclaimed;
            progress.unclaimed = 0;
        }
        if (amount == 0) revert BillingNothingToClaim(msg.sender);
        _payOut(msg.sender, to, amount);
    }

    /// @notice Highest cumulative amount redeemed for (client, miner, netuid, tier).
    function redeemed(address client, address miner, uint16 netuid, uint8 tier) external view returns (uint256) {
        return _progress[client][miner][netuid][tier].redeemed;
    }

    /// @notice The miner's unclaimed share of what it redeemed for (client, netuid, tier).
    function unclaimed(address client, address miner, uint16 netuid, uint8 tier) external view returns (uint256) {
        return _progress[client][miner][netuid][tier].unclaimed;
    }

    function _redeem(
        Voucher calldata voucher,
        bytes calldata signature,
        uint256 cumulative
    ) internal returns (uint256 paid, Progress storage progress) {
        if (msg.sender != voucher.miner) revert BillingNotMiner(msg.sender, voucher.miner);
        _checkTier(voucher.tier);
        address client = voucher.client;
        address signer = _voucherSigner(voucher, signature);
        // The client's own vouchers skip reading its escrow slot (where its first signer lives).
        if (signer != client && !_isSigner(client, _accounts[client].signer, signer)) {
            revert BillingInvalidSigner(client, signer);
        }

        progress = _progress[client][msg.sender][voucher.netuid][voucher.tier];
        Progress memory p = progress;
        if (cumulative <= p.redeemed) revert BillingVoucherNotNewer(cumulative, p.redeemed);
        if (cumulative > type(uint128).max) revert BillingVoucherTooLarge(cumulative);
        Allotment storage allotment = _allotments[client][msg.sender];
        uint96 available = allotment.amount;
        if (available == 0) revert BillingAllotmentEmpty(client, msg.sender);
        unchecked {
            // cumulative > p.redeemed (checked above)
            uint256 owed = cumulative - p.redeemed;
            paid = owed < available ? owed : available;
            // paid <= available
            allotment.amount = available - uint96(paid);
        }

        Split memory split = _splitMint(paid, voucher.model);
        // cumulative < 2^128 (checked above); unclaimed grows by at most what is burned, < 2^128
        p.redeemed = uint128(cumulative);
        p.unclaimed += uint128(split.miner);
        progress.redeemed = p.redeemed;
        progress.unclaimed = p.unclaimed;
        _emitRedeemed(voucher, paid, split);
    }

    /// @dev Books `paid` for burning and shares its mint between the treasury, the model's owner and
    /// (returned) the miner.
    function _splitMint(uint256 paid, bytes32 model) internal returns (Split memory split) {
        Ledger memory ledger = _ledger;
        uint256 minted = (paid * ledger.mintRatio) / 1e18;
        split.treasury = (minted * ledger.treasuryBps) / BPS;
        split.royalty = _accrueRoyalty(model, minted, ledger.treasuryBps);
        unchecked {
            // treasury and royalty shares sum to at most BPS of `minted`
            split.miner = minted - split.treasury - split.royalty;
        }
        // pendingBurn + escrow balances <= this contract's balance <= the token's cap < 2^88; a
        // treasuryCredit overflow reverts until anyone calls claimTreasury
        ledger.pendingBurn += SafeCast.toUint88(paid);
        ledger.treasuryCredit += SafeCast.toUint88(split.treasury);
        _ledger = ledger;
    }

    function _emitRedeemed(Voucher calldata voucher, uint256 paid, Split memory split) internal {
        emit Redeemed(
            voucher.client,
            msg.sender,
            voucher.netuid,
            voucher.tier,
            voucher.model,
            paid,
            split.miner,
            split.royalty,
            split.treasury,
            block.timestamp / 1 weeks
        );
    }
}
