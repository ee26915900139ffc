// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Subnets and their neurons, as the consensus, billing and off-chain apps read them.
interface ISubnets {
    struct SubnetParams {
        string taskId; // e.g. "text-generation", "ocr"
        uint32 tempo; // blocks per epoch
        uint16 maxUids; // <= 256
        uint16 maxValidators; // <= 64
        uint32 immunityPeriod; // blocks after registration during which a UID cannot be pruned
        uint256 minValidatorStake; // stake a hotkey needs for a validator permit
        uint256 minBurn; // floor of the registration burn price
        uint32 burnHalfLife; // blocks for the burn price to halve back towards the floor
        bool restrictModels; // true: axons must declare an allow-listed model hash
    }

    struct Axon {
        string host;
        uint16 port;
        string protocol; // "http" or "https"
        bytes32 modelHash; // sha256 of the ONNX model served
        uint64 updatedBlock;
    }

    function subnetCount() external view returns (uint16);

    function subnetExists(uint16 netuid) external view returns (bool);

    function subnetOwner(uint16 netuid) external view returns (address);

    function params(uint16 netuid) external view returns (SubnetParams memory);

    /// @notice Number of UIDs in use (UIDs are 0..n-1; a pruned UID is reused by its replacement).
    function neuronCount(uint16 netuid) external view returns (uint16);

    /// @notice Registrations ever on `netuid` (new UIDs and replaced holders): while it is unchanged, so are
    /// the hotkeys and registration blocks of its UIDs.
    function registrationCount(uint16 netuid) external view returns (uint64);

    function hotkeyOf(uint16 netuid, uint16 uid) external view returns (address);

    /// @notice UID of `hotkey` on `netuid`; reverts with SubnetsNotRegistered if it has none.
    function uidOf(uint16 netuid, address hotkey) external view returns (uint16);

    function isRegistered(uint16 netuid, address hotkey) external view returns (bool);

    /// @notice Block at which the current holder of `uid` registered.
    function registeredAt(uint16 netuid, uint16 uid) external view returns (uint64);

    function axonOf(uint16 netuid, uint16 uid) external view returns (Axon memory);

    function isModelAllowed(uint16 netuid, bytes32 modelHash) external view returns (bool);

    /// @notice EPOCH_ROLE: records each UID's emission of the last epoch (used to prune the weakest UID).
    function recordEmission(uint16 netuid, uint16[] calldata uids, uint256[] calldata amounts) external;

    /// @notice UIDs holding a validator permit: the top maxValidators by stake with at least minValidatorStake.
    function validatorPermits(uint16 netuid) external view returns (bool[] memory);
}
