package io.shadowcast.rollout;

import java.util.List;
import java.util.concurrent.Future;
import org.jboss.logging.Logger;

/**
 * Targets from an earlier listing, at the writes' rate, then whatever a fresh listing finds that the
 * snapshot lacks. The fresh listing starts with the rollout and runs at the listing quota beside the
 * writes; every name it reads that is not in the snapshot is spooled to a file, and those pages follow
 * the snapshot's. A thing deleted since the snapshot is written anyway and answers ResourceNotFound:
 * skipped, as a thing deleted during a listing always was. The rollout ends when the fresh listing has
 * ended and its new things are written, so no thing listed now is missed; the fresh listing then
 * becomes the target's snapshot.
 *
 * <p>Tokens: {@code s:<snapshot>:<page>} for the snapshot's pages, {@code r:<snapshot>:<page>} for the
 * new things. Only snapshot tokens are checkpoints: a resume of this replica continues in the same
 * snapshot (and lists afresh again); the new things' pages are never saved, so a resume writes them
 * again but counts them once, as their counts were never saved either.
 */
final class SnapshotPages implements TargetPages {

    private static final Logger LOG = Logger.getLogger(SnapshotPages.class);

    static final String SNAPSHOT = "s:";
    static final String NEW_THINGS = "r:";

    private final TargetSnapshot snapshot;
    private final FanOut.Checkpoint start;
    private final NameFile newThings;
    private final Future<?> freshListing;

    SnapshotPages(TargetSnapshot snapshot, FanOut.Checkpoint start, NameFile newThings, Future<?> freshListing) {
        this.snapshot = snapshot;
        this.start = start;
        this.newThings = newThings;
        this.freshListing = freshListing;
    }

    static String firstToken(TargetSnapshot snapshot) {
        return SNAPSHOT + snapshot.id + ":0";
    }

    /** True for a token of a snapshot page (whatever snapshot). */
    static boolean isSnapshotToken(String token) {
        return token != null && token.startsWith(SNAPSHOT);
    }

    /** The snapshot id a snapshot token names. */
    static String snapshotOf(String token) {
        return token.substring(SNAPSHOT.length(), token.lastIndexOf(':'));
    }

    @Override
    public FanOut.Checkpoint start() {
        return start;
    }

    @Override
    public ThingPage fetch(String token) {
        String at = token == null ? firstToken(snapshot) : token;
        int page = Integer.parseInt(at.substring(at.lastIndexOf(':') + 1));
        try {
            if (at.startsWith(SNAPSHOT) && page < snapshot.pages()) {
                String next = page + 1 < snapshot.pages() ? SNAPSHOT + snapshot.id + ":" + (page + 1)
                        : NEW_THINGS + snapshot.id + ":0";
                return new ThingPage(snapshot.page(page), next);
            }
            int index = at.startsWith(NEW_THINGS) ? page : 0;
            List<String> things = newThings.awaitPage(index);
            String next = newThings.isLastPage(index) ? null : NEW_THINGS + snapshot.id + ":" + (index + 1);
            if (next == null) {
                LOG.debugf("Snapshot %s: %d things listed now were not in it and are written too", snapshot.id,
                        newThings.size());
            }
            return new ThingPage(things, next);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RolloutStoppedException("interrupted while reading the target snapshot");
        }
    }

    @Override
    public boolean resumableFrom(String token) {
        return token == null || isSnapshotToken(token);
    }

    @Override
    public void close() {
        freshListing.cancel(true);
        newThings.delete();
        snapshot.release();
    }
}
