// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title BillingVouchers
/// @notice EIP-712 cumulative vouchers. A client (or a signer it authorised) signs, for each answered
/// request, the total it owes a miner on a subnet and tier; the miner redeems the latest one. The domain
/// (name "NoosphereBilling", version "1", chain id, this contract) makes a voucher worthless on any other
/// chain or contract; the miner's address in it makes it worthless to any other miner.
/// @dev `model` is the sha256 of the model the miner's axon declared when the client was served; the client
/// attests it, so the miner cannot redirect the model owner's royalty by naming another model.
abstract contract BillingVouchers is EIP712 {
    struct Voucher {
        address client; // whose escrow pays
        address miner; // who may redeem
        uint16 netuid;
        uint8 tier; // 0 standard (GPU), 1 batch (CPU)
        bytes32 model; // sha256 of the ONNX model served (0: none, no royalty)
        uint256 cumulativeAmount; // NOOS (1e18 units) owed in total for (client, miner, netuid, tier)
    }

    bytes32 public constant VOUCHER_TYPEHASH =
        keccak256(
            "Voucher(address client,address miner,uint16 netuid,uint8 tier,bytes32 model,uint256 cumulativeAmount)"
        );

    error BillingInvalidSignature();

    constructor() EIP712("NoosphereBilling", "1") {}

    /// @notice The EIP-712 digest a signer signs for `voucher` on this chain and contract.
    function hashVoucher(Voucher calldata voucher) external view returns (bytes32) {
        return _voucherDigest(voucher);
    }

    /// @notice Who signed `voucher` (reverts with BillingInvalidSignature if the signature is malformed).
    function recoverVoucherSigner(Voucher calldata voucher, bytes calldata signature) external view returns (address) {
        return _voucherSigner(voucher, signature);
    }

    /// @notice The EIP-712 domain separator of this contract on this chain.
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    function _voucherSigner(Voucher calldata voucher, bytes calldata signature) internal view returns (address) {
        (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecover(_voucherDigest(voucher), signature);
        if (err != ECDSA.RecoverError.NoError) revert BillingInvalidSignature();
        return signer;
    }

    function _voucherDigest(Voucher calldata voucher) internal view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(VOUCHER_TYPEHASH, voucher)));
    }
}
