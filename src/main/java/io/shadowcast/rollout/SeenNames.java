package io.shadowcast.rollout;

import java.util.ArrayList;
import java.util.List;

/**
 * The names one pass has met so far, as a Bloom filter that grows with them: {@link #addIfNew} never
 * calls a name new that was added before, and calls a name seen before that was not in about 5 of
 * 10,000 cases per filter (16 bits and 11 probes a name). About 2 to 4 bytes a name, however many the
 * pass lists, where a set of the names would hold each one. A filter that is full is kept and a new one
 * twice its size takes the names after it.
 */
final class SeenNames {

    private static final int FIRST_CAPACITY = 16_384;
    private static final int BITS_PER_NAME = 16;
    private static final int PROBES = 11;

    private final List<long[]> filters = new ArrayList<>();
    private int capacity;
    private int inLast;

    SeenNames() {
        grow();
    }

    /** True when the name was surely not added before (it is added now); false when it may have been. */
    boolean addIfNew(String name) {
        long hash = TargetSnapshot.hash(name);
        for (long[] filter : filters) {
            if (holds(filter, hash)) {
                return false;
            }
        }
        if (inLast == capacity) {
            grow();
        }
        long[] last = filters.get(filters.size() - 1);
        for (int probe = 0; probe < PROBES; probe++) {
            int bit = bit(last, hash, probe);
            last[bit >>> 6] |= 1L << bit;
        }
        inLast++;
        return true;
    }

    private void grow() {
        capacity = capacity == 0 ? FIRST_CAPACITY : capacity * 2;
        filters.add(new long[capacity * BITS_PER_NAME / 64]);
        inLast = 0;
    }

    private static boolean holds(long[] filter, long hash) {
        for (int probe = 0; probe < PROBES; probe++) {
            int bit = bit(filter, hash, probe);
            if ((filter[bit >>> 6] & (1L << bit)) == 0) {
                return false;
            }
        }
        return true;
    }

    /** Double hashing: probe i sets bit (h1 + i × h2) modulo the filter's size, h1 and h2 the halves of the hash. */
    private static int bit(long[] filter, long hash, int probe) {
        long first = (int) hash;
        long step = (int) (hash >>> 32) | 1;
        return (int) Math.floorMod(first + probe * step, filter.length * 64L);
    }
}
