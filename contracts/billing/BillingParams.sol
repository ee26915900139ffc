// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/// @title BillingParams
/// @notice Governance parameters of billing (all behind PARAMS_ROLE, held by the DAO timelock): the price
/// of a request per subnet and tier in USD micro-units, the per-call token limits miners enforce, the
/// NOOS/USD rate, the mint ratio and treasury share of redemptions, the treasury address, the escrow
/// thaw period and the signer revocation delay.
/// @dev The mint ratio and treasury share live in one slot with two running totals (`_ledger`) so that a
/// redemption reads and writes that slot once.
abstract contract BillingParams is AccessControl {
    /// @dev One request's price and limits for a subnet and tier.
    struct TierPrice {
        uint64 usdMicros; // USD micro-units (1e-6 USD) per request; 0 = not priced
        uint32 maxInputTokens; // 0 = DEFAULT_MAX_INPUT_TOKENS
        uint32 maxOutputTokens; // 0 = DEFAULT_MAX_OUTPUT_TOKENS
    }

    /// @dev The NOOS/USD rate and when governance last set it.
    struct Rate {
        uint64 usdMicrosPerNoos; // USD micro-units per 1 NOOS (1e18 units)
        uint64 updatedAt; // block timestamp of the last update
    }

    /// @dev Parameters and totals read by every redemption, packed in one slot.
    /// pendingBurn <= the contract's balance <= the token's cap < 2^88; treasuryCredit grows by at most
    /// what is redeemed and is reset by the permissionless `claimTreasury`.
    struct Ledger {
        uint64 mintRatio; // 1e18 = 100% of a redemption is minted back
        uint16 treasuryBps; // share of the mint credited to the treasury
        uint88 pendingBurn; // redeemed from escrows, burned at the next settlement
        uint88 treasuryCredit; // minted to the treasury at the next `claimTreasury`
    }

    bytes32 public constant PARAMS_ROLE = keccak256("PARAMS_ROLE");
    uint8 public constant TIER_STANDARD = 0; // GPU
    uint8 public constant TIER_BATCH = 1; // CPU
    uint32 public constant DEFAULT_MAX_INPUT_TOKENS = 200;
    uint32 public constant DEFAULT_MAX_OUTPUT_TOKENS = 1000;
    uint64 public constant DEFAULT_MINT_RATIO = 0.975e18; // Pocket Network's
    uint64 public constant MAX_MINT_RATIO = 1e18; // never inflationary
    uint16 public constant DEFAULT_TREASURY_BPS = 1_000;
    uint16 public constant MAX_TREASURY_BPS = 5_000; // with the model registry's 5,000 cap, shares sum <= 100%
    uint64 public constant MAX_DELAY = 30 days; // bound on the thaw period and the signer revocation delay
    uint256 internal constant BPS = 10_000;

    Ledger internal _ledger;
    Rate internal _rate;
    /// @notice Receives the treasury share of every mint (the DAO timelock by default).
    address public treasury;
    /// @notice Seconds between `startWithdraw` and `withdraw`: the miners' window to redeem first.
    uint64 public thawPeriod;
    /// @notice Seconds after `revokeSigner` during which the signer's vouchers stay redeemable.
    uint64 public signerRevokeDelay;
    mapping(uint16 netuid => mapping(uint8 tier => TierPrice)) internal _prices;

    event PriceSet(uint16 indexed netuid, uint8 indexed tier, uint64 usdMicros);
    event LimitsSet(uint16 indexed netuid, uint8 indexed tier, uint32 maxInputTokens, uint32 maxOutputTokens);
    event RateSet(uint64 usdMicrosPerNoos, uint64 updatedAt);
    event MintRatioSet(uint64 mintRatio);
    event TreasuryShareSet(uint16 treasuryBps);
    event TreasurySet(address treasury);
    event ThawPeriodSet(uint64 thawPeriod);
    event SignerRevokeDelaySet(uint64 signerRevokeDelay);

    error BillingUnknownTier(uint8 tier);
    error BillingZeroLimit();
    error BillingZeroRate();
    error BillingRateNotSet();
    error BillingPriceNotSet(uint16 netuid, uint8 tier);
    error BillingMintRatioTooHigh(uint64 mintRatio, uint64 max);
    error BillingTreasuryShareTooHigh(uint16 treasuryBps, uint16 max);
    error BillingZeroAddress();
    error BillingDelayTooLong(uint64 delay, uint64 max);

    /// @param admin Holder of DEFAULT_ADMIN_ROLE and PARAMS_ROLE (the deployer during setup, then the timelock).
    /// @param treasury_ Receiver of the treasury share.
    /// @param thawPeriod_ Initial escrow thaw period, seconds.
    /// @param signerRevokeDelay_ Initial signer revocation delay, seconds.
    constructor(address admin, address treasury_, uint64 thawPeriod_, uint64 signerRevokeDelay_) {
        if (admin == address(0)) revert BillingZeroAddress();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PARAMS_ROLE, admin);
        _setTreasury(treasury_);
        _setThawPeriod(thawPeriod_);
        _setSignerRevokeDelay(signerRevokeDelay_);
        _ledger.mintRatio = DEFAULT_MINT_RATIO;
        _ledger.treasuryBps = DEFAULT_TREASURY_BPS;
        emit MintRatioSet(DEFAULT_MINT_RATIO);
        emit TreasuryShareSet(DEFAULT_TREASURY_BPS);
    }

    /// @notice PARAMS_ROLE: price of one request on `netuid` at `tier`, in USD micro-units (0 un-prices it).
    function setPrice(uint16 netuid, uint8 tier, uint64 usdMicros) external onlyRole(PARAMS_ROLE) {
        _checkTier(tier);
        _prices[netuid][tier].usdMicros = usdMicros;
        emit PriceSet(netuid, tier, usdMicros);
    }

    /// @notice PARAMS_ROLE: most input and output tokens one call may carry (miners refuse larger calls).
    function setLimits(
        uint16 netuid,
        uint8 tier,
        uint32 maxInputTokens,
        uint32 maxOutputTokens
    ) external onlyRole(PARAMS_ROLE) {
        _checkTier(tier);
        if (maxInputTokens == 0 || maxOutputTokens == 0) revert BillingZeroLimit();
        TierPrice storage price = _prices[netuid][tier];
        price.maxInputTokens = maxInputTokens;
        price.maxOutputTokens = maxOutputTokens;
        emit LimitsSet(netuid, tier, maxInputTokens, maxOutputTokens);
    }

    /// @notice PARAMS_ROLE: the NOOS/USD rate, in USD micro-units per NOOS (e.g. 250,000 = $0.25).
    function setRate(uint64 usdMicrosPerNoos) external onlyRole(PARAMS_ROLE) {
        if (usdMicrosPerNoos == 0) revert BillingZeroRate();
        uint64 now_ = uint64(block.timestamp);
        _rate = Rate(usdMicrosPerNoos, now_);
        emit RateSet(usdMicrosPerNoos, now_);
    }

    /// @notice PARAMS_ROLE: share of each redemption minted back (1e18 = 100%, at most MAX_MINT_RATIO).
    function setMintRatio(uint64 mintRatio_) external onlyRole(PARAMS_ROLE) {
        if (mintRatio_ > MAX_MINT_RATIO) revert BillingMintRatioTooHigh(mintRatio_, MAX_MINT_RATIO);
        _ledger.mintRatio = mintRatio_;
        emit MintRatioSet(mintRatio_);
    }

    /// @notice PARAMS_ROLE: the treasury's share of each mint, in basis points (at most MAX_TREASURY_BPS).
    function setTreasuryShare(uint16 treasuryBps_) external onlyRole(PARAMS_ROLE) {
        if (treasuryBps_ > MAX_TREASURY_BPS) revert BillingTreasuryShareTooHigh(treasuryBps_, MAX_TREASURY_BPS);
        _ledger.treasuryBps = treasuryBps_;
        emit TreasuryShareSet(treasuryBps_);
    }

    /// @notice PARAMS_ROLE: the treasury address (credit already accrued goes to the new one).
    function setTreasury(address treasury_) external onlyRole(PARAMS_ROLE) {
        _setTreasury(treasury_);
    }

    /// @notice PARAMS_ROLE: escrow thaw period in seconds (applies to withdrawals started afterwards).
    function setThawPeriod(uint64 thawPeriod_) external onlyRole(PARAMS_ROLE) {
        _setThawPeriod(thawPeriod_);
    }

    /// @notice PARAMS_ROLE: signer revocation delay in seconds (applies to revocations started afterwards).
    function setSignerRevokeDelay(uint64 delay) external onlyRole(PARAMS_ROLE) {
        _setSignerRevokeDelay(delay);
    }

    /// @notice Price and limits of one request on `netuid` at `tier` (defaults filled in for unset limits).
    function tierPrice(
        uint16 netuid,
        uint8 tier
    ) external view returns (uint64 usdMicros, uint32 maxInputTokens, uint32 maxOutputTokens) {
        _checkTier(tier);
        TierPrice memory price = _prices[netuid][tier];
        usdMicros = price.usdMicros;
        maxInputTokens = price.maxInputTokens == 0 ? DEFAULT_MAX_INPUT_TOKENS : price.maxInputTokens;
        maxOutputTokens = price.maxOutputTokens == 0 ? DEFAULT_MAX_OUTPUT_TOKENS : price.maxOutputTokens;
    }

    /// @notice Price of one request on `netuid` at `tier` in NOOS (1e18 units): USD price / NOOS rate.
    function priceInNoos(uint16 netuid, uint8 tier) external view returns (uint256) {
        _checkTier(tier);
        uint64 usdMicros = _prices[netuid][tier].usdMicros;
        if (usdMicros == 0) revert BillingPriceNotSet(netuid, tier);
        uint64 usdPerNoos = _rate.usdMicrosPerNoos;
        if (usdPerNoos == 0) revert BillingRateNotSet();
        return (uint256(usdMicros) * 1e18) / usdPerNoos;
    }

    /// @notice The NOOS/USD rate (USD micro-units per NOOS) and the timestamp governance last set it.
    function rate() external view returns (uint64 usdMicrosPerNoos, uint64 updatedAt) {
        Rate memory r = _rate;
        return (r.usdMicrosPerNoos, r.updatedAt);
    }

    /// @notice Share of each redemption minted back, 1e18 = 100%.
    function mintRatio() external view returns (uint64) {
        return _ledger.mintRatio;
    }

    /// @notice The treasury's share of each mint, in basis points.
    function treasuryBps() external view returns (uint16) {
        return _ledger.treasuryBps;
    }

    function _setTreasury(address treasury_) internal {
        if (treasury_ == address(0)) revert BillingZeroAddress();
        treasury = treasury_;
        emit TreasurySet(treasury_);
    }

    function _setThawPeriod(uint64 thawPeriod_) internal {
        if (thawPeriod_ > MAX_DELAY) revert BillingDelayTooLong(thawPeriod_, MAX_DELAY);
        thawPeriod = thawPeriod_;
        emit ThawPeriodSet(thawPeriod_);
    }

    function _setSignerRevokeDelay(uint64 delay) internal {
        if (delay > MAX_DELAY) revert BillingDelayTooLong(delay, MAX_DELAY);
        signerRevokeDelay = delay;
        emit SignerRevokeDelaySet(delay);
    }

    function _checkTier(uint8 tier) internal pure {
        if (tier > TIER_BATCH) revert BillingUnknownTier(tier);
    }
}
