// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice The epoch's snapshot of the subnet's hotkeys, packed as consecutive 20-byte addresses (UID u
/// at bytes 20 u .. 20 u + 19 of the words read as one big-endian byte string): 256 hotkeys in 160 words,
/// so reading them all costs 160 storage reads instead of 256.
library HotkeySnapshot {
    /// @dev Words for 256 hotkeys (256 x 20 bytes / 32).
    uint256 internal constant WORDS = 160;

    /// @notice Stores `hotkeys` (at most 256), writing only the words that changed.
    function write(uint256[WORDS] storage words, address[] memory hotkeys) internal {
        uint256 n = hotkeys.length;
        uint256 used = (n * 20 + 31) >> 5;
        // a zeroed buffer of `used` words plus room for the last address's 12 trailing bytes
        uint256[] memory buf = new uint256[](used + 1);
        assembly ("memory-safe") {
            let base := add(buf, 32)
            // in UID order, so each address's 12 trailing zero bytes are overwritten by the next one
            for { let u := 0 } lt(u, n) { u := add(u, 1) } {
                mstore(add(base, mul(u, 20)), shl(96, mload(add(hotkeys, shl(5, add(u, 1))))))
            }
        }
        for (uint256 w = 0; w < used; ++w) {
            uint256 word = buf[w];
            if (words[w] != word) words[w] = word;
        }
    }

    /// @notice Reads the words holding UIDs [u0, u1) into memory; hotkeyAt reads them from there.
    function read(uint256[WORDS] storage words, uint256 u0, uint256 u1) internal view returns (uint256 base) {
        uint256[] memory buf = new uint256[](WORDS + 1);
        assembly ("memory-safe") {
            base := add(buf, 32)
        }
        if (u1 <= u0) return base;
        uint256 last = (u1 * 20 - 1) >> 5;
        for (uint256 w = (u0 * 20) >> 5; w <= last; ++w) {
            uint256 word = words[w];
            assembly ("memory-safe") {
                mstore(add(base, shl(5, w)), word)
            }
        }
    }

    /// @notice The stored hotkey of `uid` (one or two storage reads).
    function hotkeyOf(uint256[WORDS] storage words, uint256 uid) internal view returns (address) {
        uint256 start = uid * 20;
        uint256 w = start >> 5;
        uint256 bits = (start & 31) << 3;
        uint256 word = words[w] << bits;
        // the address runs into the next word when it starts in the last 19 bytes of this one
        if (bits > 96) word |= words[w + 1] >> (256 - bits);
        return address(uint160(word >> 96));
    }

    /// @notice The hotkey of `uid` in a buffer from read() (its words must have been read).
    function hotkeyAt(uint256 base, uint256 uid) internal pure returns (address hotkey) {
        assembly ("memory-safe") {
            hotkey := shr(96, mload(add(base, mul(uid, 20))))
        }
    }
}
