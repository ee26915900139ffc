// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice A per-account FIFO queue of thaw requests (undelegated tokens waiting out the cooldown).
/// @dev Requests are numbered from 0 in creation order; `head` is the oldest unprocessed one and
/// `tail` the next number to use, so the pending requests are [head, tail). Processing stops at the
/// first request that is not ready yet (strict FIFO) and after `maxCount` requests (bounded work).
library ThawQueue {
    struct Request {
        uint128 amount;
        uint64 readyBlock;
    }

    struct Queue {
        uint64 head;
        uint64 tail;
        mapping(uint256 id => Request) requests;
    }

    /// @notice Appends a request and returns its id.
    function push(Queue storage q, uint128 amount, uint64 readyBlock) internal returns (uint64 id) {
        id = q.tail;
        q.requests[id] = Request(amount, readyBlock);
        q.tail = id + 1;
    }

    /// @notice Removes up to `maxCount` ready requests from the front; returns their total and number.
    function popReady(Queue storage q, uint256 maxCount, uint256 blockNumber)
        internal
        returns (uint256 total, uint256 count)
    {
        uint64 head = q.head;
        uint64 tail = q.tail;
        while (count < maxCount && head < tail) {
            Request storage r = q.requests[head];
            if (r.readyBlock > blockNumber) break;
            total += r.amount;
            delete q.requests[head];
            // unchecked: head < tail <= type(uint64).max and count < maxCount
            unchecked {
                ++head;
                ++count;
            }
        }
        if (count != 0) q.head = head;
    }

    /// @notice What popReady would return, without changing anything.
    function peekReady(Queue storage q, uint256 maxCount, uint256 blockNumber)
        internal
        view
        returns (uint256 total, uint256 count)
    {
        uint64 head = q.head;
        uint64 tail = q.tail;
        while (count < maxCount && head < tail) {
            Request storage r = q.requests[head];
            if (r.readyBlock > blockNumber) break;
            total += r.amount;
            // unchecked: head < tail <= type(uint64).max and count < maxCount
            unchecked {
                ++head;
                ++count;
            }
        }
    }
}
