package io.verity.node.dispute;

import java.util.List;
import java.util.TreeSet;

/**
 * The disputes (or games) of a contract a duty still watches: each id is picked up once, when the contract's count
 * passes it, and watched until the duty drops it (finished, not its own, abstained). Not thread-safe: a duty's
 * {@code tick} is synchronized.
 */
final class OpenIds {
    private final TreeSet<Long> open = new TreeSet<>();
    private long scanned;

    /**
     * Picks up the ids created since the last call.
     *
     * @param count how many disputes the contract holds now (ids 0..count-1)
     * @return the open ids in ascending order, a copy, so the caller may {@link #drop} while going through it
     */
    List<Long> update(long count) {
        for (long id = scanned; id < count; id++) open.add(id);
        scanned = count;
        return List.copyOf(open);
    }

    void drop(long id) {
        open.remove(id);
    }
}
