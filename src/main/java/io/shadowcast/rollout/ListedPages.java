package io.shadowcast.rollout;

/**
 * Targets read straight from the registry's listing, a page ahead of the writes. A listing from the
 * first page is recorded as it goes and kept as the target's snapshot once its last page was read.
 */
final class ListedPages implements TargetPages {

    private final ThingSource source;
    private final TargetSnapshots snapshots;
    private final Targeting targeting;
    private final FanOut.Checkpoint start;
    private TargetSnapshot.Recorder recorder;

    /** @param recorder null when this listing does not start at the first page or no snapshots are kept */
    ListedPages(ThingSource source, TargetSnapshots snapshots, Targeting targeting, FanOut.Checkpoint start,
            TargetSnapshot.Recorder recorder) {
        this.source = source;
        this.snapshots = snapshots;
        this.targeting = targeting;
        this.start = start;
        this.recorder = recorder;
    }

    @Override
    public FanOut.Checkpoint start() {
        return start;
    }

    @Override
    public ThingPage fetch(String token) {
        ThingPage page = source.page(targeting, token);
        record(page);
        return page;
    }

    private synchronized void record(ThingPage page) {
        if (recorder == null) {
            return;
        }
        page.things().forEach(recorder::add);
        if (page.nextToken() == null) {
            snapshots.keep(targeting, recorder.finish());
            recorder = null;
        }
    }

    @Override
    public synchronized void close() {
        if (recorder != null) {
            recorder.abandon();
            recorder = null;
        }
    }
}
