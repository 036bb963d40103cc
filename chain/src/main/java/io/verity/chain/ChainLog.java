package io.verity.chain;

import io.verity.protocol.Keccak256;
import java.util.Objects;

/**
 * A decoded event together with where it sits on chain. An indexer needs the block hash to notice a
 * reorganisation (the same block number with another hash) and the log index to store each event once.
 */
public record ChainLog(ChainEvent event, Keccak256 blockHash, Keccak256 txHash, int logIndex) {
    public ChainLog {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(blockHash, "blockHash");
        Objects.requireNonNull(txHash, "txHash");
        if (logIndex < 0) throw new IllegalArgumentException("logIndex must be >= 0, got " + logIndex);
    }

    public long blockNumber() {
        return event.blockNumber();
    }
}
