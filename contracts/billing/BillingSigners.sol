// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {BillingEscrow} from "./BillingEscrow.sol";

/// @title BillingSigners
/// @notice A client may let other keys (a gateway's hot key) sign vouchers against its escrow.
/// Revoking a signer takes effect `signerRevokeDelay` seconds later, so vouchers it already signed stay
/// redeemable for that long (as GraphTally's signer thawing). A miner holding vouchers from a revoked
/// signer must redeem them before the delay runs out: after it, they are refused.
/// @dev The client's first signer is kept in its escrow slot (`Account.signer`), free to check on every
/// redemption; further signers, and revoked ones still inside their delay, live in `_signers`.
abstract contract BillingSigners is BillingEscrow {
    uint64 internal constant SIGNER_ACTIVE = type(uint64).max;

    /// @dev 0: not authorised here; SIGNER_ACTIVE: authorised; otherwise valid while block.timestamp < value.
    mapping(address client => mapping(address signer => uint64 validUntil)) internal _signers;

    event SignerAuthorized(address indexed client, address indexed signer);
    event SignerRevoked(address indexed client, address indexed signer, uint64 validUntil);

    error BillingSignerIsClient(address client);
    error BillingSignerAlreadyAuthorized(address client, address signer);
    error BillingSignerNotAuthorized(address client, address signer);

    /// @notice Lets `signer` sign vouchers on the caller's escrow (also cancels a pending revocation).
    function authorizeSigner(address signer) external {
        if (signer == address(0)) revert BillingZeroAddress();
        if (signer == msg.sender) revert BillingSignerIsClient(msg.sender);
        Account storage account = _accounts[msg.sender];
        address primary = account.signer;
        if (primary == signer || _signers[msg.sender][signer] == SIGNER_ACTIVE) {
            revert BillingSignerAlreadyAuthorized(msg.sender, signer);
        }
        if (primary == address(0)) {
            account.signer = signer;
            delete _signers[msg.sender][signer];
        } else {
            _signers[msg.sender][signer] = SIGNER_ACTIVE;
        }
        emit SignerAuthorized(msg.sender, signer);
    }

    /// @notice Revokes `signer`: its vouchers stay redeemable for `signerRevokeDelay` seconds, then never.
    function revokeSigner(address signer) external {
        Account storage account = _accounts[msg.sender];
        if (signer != address(0) && account.signer == signer) {
            account.signer = address(0);
        } else if (_signers[msg.sender][signer] != SIGNER_ACTIVE) {
            revert BillingSignerNotAuthorized(msg.sender, signer);
        }
        uint64 validUntil = uint64(block.timestamp) + signerRevokeDelay;
        _signers[msg.sender][signer] = validUntil;
        emit SignerRevoked(msg.sender, signer, validUntil);
    }

    /// @notice Whether a voucher from `signer` on `client`'s escrow would be accepted now.
    function isAuthorizedSigner(address client, address signer) external view returns (bool) {
        return signer != address(0) && _isSigner(client, _accounts[client].signer, signer);
    }

    /// @notice `signer`'s standing with `client`: authorised with no revocation pending (`active`), and until
    /// when its vouchers are accepted (type(uint64).max while active, 0 if never authorised).
    function signerStatus(address client, address signer) external view returns (bool active, uint64 validUntil) {
        validUntil = (signer != address(0) && _accounts[client].signer == signer)
            ? SIGNER_ACTIVE
            : _signers[client][signer];
        active = validUntil == SIGNER_ACTIVE;
    }

    /// @dev `signer` is authorised by `client` with no revocation pending.
    function _isActiveSigner(address client, address signer) internal view returns (bool) {
        return signer != address(0) && (_accounts[client].signer == signer || _signers[client][signer] == SIGNER_ACTIVE);
    }

    /// @dev `signer` (never address(0)) may sign for `client`, whose escrow slot names `primary`.
    function _isSigner(address client, address primary, address signer) internal view returns (bool) {
        return signer == client || signer == primary || _signers[client][signer] > block.timestamp;
    }
}
