package io.shadowcast.rollout;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * One complete listing of a target, kept after its rollout so that the next rollout of the same target
 * writes at full rate instead of at the listing's rate. The names are on disk ({@link NameFile}); the
 * heap holds 8 bytes a name, a sorted 64-bit hash of each, to tell a name listed now that is not in the
 * snapshot. Two different names share a hash with a probability of about n × m / 2^64 for n names in
 * the snapshot and m listed now (5 × 10⁻⁸ for a million of each).
 *
 * <p>A snapshot is retired when a newer listing of its target replaces it; its file is deleted once no
 * rollout reads it any more.
 */
final class TargetSnapshot {

    final String id;
    private final NameFile names;
    private final long[] sortedHashes;
    private int readers;
    private boolean retired;

    private TargetSnapshot(String id, NameFile names, long[] sortedHashes) {
        this.id = id;
        this.names = names;
        this.sortedHashes = sortedHashes;
    }

    int size() {
        return names.size();
    }

    int pages() {
        return names.pages();
    }

    List<String> page(int index) throws InterruptedException {
        return names.awaitPage(index);
    }

    boolean contains(String thing) {
        return Arrays.binarySearch(sortedHashes, hash(thing)) >= 0;
    }

    /** A rollout starts reading: the file stays until it is done. */
    synchronized boolean retain() {
        if (retired && readers == 0) {
            return false;
        }
        readers++;
        return true;
    }

    synchronized void release() {
        readers--;
        deleteIfUnused();
    }

    synchronized void retire() {
        retired = true;
        deleteIfUnused();
    }

    private void deleteIfUnused() {
        if (retired && readers == 0) {
            names.delete();
        }
    }

    /** 64-bit FNV-1a of the UTF-8 bytes, then MurmurHash3's finaliser to spread the bits. */
    static long hash(String thing) {
        long h = 0xcbf29ce484222325L;
        for (byte b : thing.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        return h ^ (h >>> 33);
    }

    /** Writes a listing as it comes; {@link #finish} turns it into a snapshot, {@link #abandon} deletes it. */
    static final class Recorder {

        private final String id;
        private final NameFile names;
        private long[] hashes = new long[1024];
        private int count;

        Recorder(String id, NameFile names) {
            this.id = id;
            this.names = names;
        }

        void add(String thing) {
            names.append(thing);
            if (count == hashes.length) {
                hashes = Arrays.copyOf(hashes, count * 2);
            }
            hashes[count++] = hash(thing);
        }

        TargetSnapshot finish() {
            names.finish();
            long[] sorted = Arrays.copyOf(hashes, count);
            hashes = null;
            Arrays.sort(sorted);
            return new TargetSnapshot(id, names, sorted);
        }

        void abandon() {
            names.delete();
        }
    }
}
