package io.shadowcast.rollout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import org.jboss.logging.Logger;

/**
 * The latest complete listing of each recent target ({@link TargetSnapshot}), and the choice of where a
 * rollout's targets come from:
 *
 * <table>
 * <tr><th>rollout starts</th><th>snapshot of its target</th><th>targets come from</th></tr>
 * <tr><td>from the first page</td><td>none</td><td>the listing, recorded as the next snapshot</td></tr>
 * <tr><td>from the first page</td><td>kept</td><td>the snapshot, then the things a fresh listing finds
 * that it lacks ({@link SnapshotPages}); the fresh listing becomes the next snapshot</td></tr>
 * <tr><td>from a listing token</td><td>any</td><td>the listing from that token</td></tr>
 * <tr><td>from a snapshot token</td><td>that snapshot is still kept here</td><td>the snapshot from that
 * page, then the new things of a fresh listing</td></tr>
 * <tr><td>from a snapshot token</td><td>gone (another replica, a restart, replaced)</td><td>the
 * start again, counts from zero: every write is repeated (harmless) and nothing counted twice</td></tr>
 * </table>
 *
 * Snapshots are files in one directory of this process, deleted when replaced, when more than
 * {@link #KEPT} targets have one (the least recently used goes), and on shutdown.
 */
final class TargetSnapshots {

    private static final Logger LOG = Logger.getLogger(TargetSnapshots.class);

    static final int KEPT = 8;

    private final ThingSource source;
    private final Path directory;
    private final ExecutorService listings;
    private final boolean enabled;
    private final Map<Targeting, TargetSnapshot> latest = new LinkedHashMap<>(16, 0.75f, true);

    TargetSnapshots(ThingSource source, boolean enabled, Path directory, ExecutorService listings) {
        this.source = source;
        this.enabled = enabled;
        this.directory = directory;
        this.listings = listings;
    }

    static Path temporaryDirectory() {
        try {
            return Files.createTempDirectory("shadowcast-targets-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory for target snapshots", e);
        }
    }

    TargetPages open(Targeting targeting, FanOut.Checkpoint start) {
        String token = start.token();
        TargetSnapshot snapshot = enabled ? retained(targeting) : null;
        if (SnapshotPages.isSnapshotToken(token)
                && (snapshot == null || !snapshot.id.equals(SnapshotPages.snapshotOf(token)))) {
            LOG.infof("The target snapshot this rollout of %s was written from is not kept here: it starts over, "
                    + "counting from zero", targeting.describe());
            start = FanOut.Checkpoint.START;
            token = null;
        }
        if (token != null && !SnapshotPages.isSnapshotToken(token)) {
            release(snapshot);
            return new ListedPages(source, this, targeting, start, null);
        }
        if (snapshot == null) {
            return new ListedPages(source, this, targeting, start, enabled ? recorder() : null);
        }
        LOG.debugf("Writing %s from snapshot %s (%d things) while listing it afresh", targeting.describe(),
                snapshot.id, snapshot.size());
        NameFile newThings = NameFile.create(directory, "new-" + UUID.randomUUID());
        Future<?> fresh = listings.submit(() -> listAfresh(targeting, snapshot, newThings));
        return new SnapshotPages(snapshot, start, newThings, fresh);
    }

    /** Lists the target from the first page, spooling what the snapshot lacks, and keeps it as the next snapshot. */
    private void listAfresh(Targeting targeting, TargetSnapshot snapshot, NameFile newThings) {
        TargetSnapshot.Recorder fresh = recorder();
        try {
            String token = null;
            do {
                ThingPage page = source.page(targeting, token);
                for (String thing : page.things()) {
                    fresh.add(thing);
                    if (!snapshot.contains(thing)) {
                        newThings.append(thing);
                    }
                }
                token = page.nextToken();
            } while (token != null);
            // kept before the last new things are handed out, so that a rollout right after this one finds it
            keep(targeting, fresh.finish());
            newThings.finish();
        } catch (RuntimeException e) {
            fresh.abandon();
            newThings.fail(e);
        }
    }

    synchronized void keep(Targeting targeting, TargetSnapshot snapshot) {
        TargetSnapshot replaced = latest.put(targeting, snapshot);
        if (replaced != null) {
            replaced.retire();
        }
        Iterator<TargetSnapshot> oldest = latest.values().iterator();
        while (latest.size() > KEPT) {
            oldest.next().retire();
            oldest.remove();
        }
        LOG.debugf("Snapshot %s of %s kept: %d things", snapshot.id, targeting.describe(), snapshot.size());
    }

    synchronized void clear() {
        latest.values().forEach(TargetSnapshot::retire);
        latest.clear();
    }

    private synchronized TargetSnapshot retained(Targeting targeting) {
        TargetSnapshot snapshot = latest.get(targeting);
        return snapshot != null && snapshot.retain() ? snapshot : null;
    }

    private static void release(TargetSnapshot snapshot) {
        if (snapshot != null) {
            snapshot.release();
        }
    }

    private TargetSnapshot.Recorder recorder() {
        String id = UUID.randomUUID().toString();
        return new TargetSnapshot.Recorder(id, NameFile.create(directory, "snapshot-" + id));
    }
}
