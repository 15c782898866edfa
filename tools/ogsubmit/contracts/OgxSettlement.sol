// SPDX-License-Identifier: GPL-2.0
pragma solidity 0.8.28;

/// @title ogx settlement: the contract mode of ogsubmit.
/// @notice Accepts one node's batches of proof records in sequence: each
/// submit() must start where the last one ended, so a batch can be neither
/// skipped nor posted twice, whatever the submitter does. The batch itself
/// (deterministic CBOR, see Documentation/chain.md) travels in `data` and is
/// read back from the transaction's input by ogverify; only the sequence
/// position lives in storage.
contract OgxSettlement {
    address public immutable submitter;
    uint64 public nextSeq;

    event Batch(uint64 indexed seq, bytes32 root, uint32 count);

    error NotSubmitter(address sender);
    error WrongSeq(uint64 expected, uint64 got);
    error EmptyBatch();

    constructor(address submitter_, uint64 firstSeq) {
        submitter = submitter_;
        nextSeq = firstSeq;
    }

    function submit(uint64 seq, bytes32 root, uint32 count, bytes calldata data) external {
        if (msg.sender != submitter) revert NotSubmitter(msg.sender);
        if (seq != nextSeq) revert WrongSeq(nextSeq, seq);
        if (count == 0) revert EmptyBatch();
        nextSeq = seq + count;
        data; // carried for availability, not stored
        emit Batch(seq, root, count);
    }
}
