package io.shadowcast.rollout;

import io.shadowcast.concurrent.Failures;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntSupplier;
import org.jboss.logging.Logger;

/**
 * Streams pages of thing names into concurrent shadow writes.
 *
 * <p>The writes are asynchronous: a write in flight holds a permit, not a thread. How many permits there
 * are is asked before each write ({@link InFlightLimit}: the rate times the observed round trip, with
 * headroom, capped by {@code concurrency}), so the fan-out follows the rate and the latency as they change.
 *
 * <p>Memory stays flat with fleet size: pages are listed one after the other on a reader thread and each
 * is prepared (its things recorded in the ledger) on a thread of its own once the page before it is, up
 * to {@link #PAGES_AHEAD} pages ahead of the hand-out, so that neither a listing nor a recording holds up
 * the writes; the listing waits while that many pages are ahead. Names alive at any time: at most
 * {@link #PAGES_AHEAD} + 2 pages plus the writes in flight. A page is committed once every write of it and
 * of the pages before it has an outcome, and its checkpoint saved
 * if the last save is {@code checkpointEvery} old (a resume repeats at most that much writing);
 * a slow page holds back at most {@link #MAX_OPEN_PAGES} pages before the fan-out waits for it.
 *
 * <p>The checkpoint is the token of the first page not yet committed, together with the counts of
 * the committed pages: a resumed rollout starts from it and counts nothing twice. Writes of a page
 * that was cut short are repeated on resume, which is harmless: the update is idempotent.
 */
final class FanOut {

    private static final Logger LOG = Logger.getLogger(FanOut.class);

    static final int MAX_FAILED_NAMES = 100;

    /**
     * Pages handed out but not yet committed; beyond this the fan-out waits for the oldest. An open page
     * holds its counts, not its names, so this bounds only what a resume writes again. At 4,000 writes/s a
     * page is handed out every 62 ms: with two, one write retried after a throttle held the hand-out at
     * 100 ms round trips (PinnedRolloutBench: written at 2,214-2,687/s with two, 3,200-3,348/s with eight).
     */
    static final int MAX_OPEN_PAGES = 8;

    /**
     * Pages listed and being prepared ahead of the hand-out. Preparing a page takes two round trips to
     * DynamoDB before its writes may start (a third, its count, finishes beside them) and listing the next
     * one a round trip to IoT; with pages waiting, the next ones' listing and
     * preparation run while the current one is handed out, and a slow recording (a busy table, a retried
     * batch) is absorbed instead of holding up the writes. Pages are prepared one after the other, so
     * the page needed next is always the first one done (PinnedRolloutBench, all things at 20 ms on the
     * emulator, second rollout of each JVM: written at 3,755/s with one page ahead, 4,027/s with two,
     * 4,033/s with three; each costs a page of names more).
     */
    static final int PAGES_AHEAD = 2;

    /** How long a stop waits for a page's preparation under way, to learn which things it recorded. */
    private static final long PREPARATION_WAIT_SECONDS = 30;

    /** Reads one page of targets; null token means the first page. */
    @FunctionalInterface
    interface Pages {
        ThingPage fetch(String token);

        /**
         * Makes a listed page ready to write (the ledger records its things before their writes) and
         * returns once its writes may start; the stage completes once the rest of its preparation is done
         * (the ledger counted its things), which its commit waits for. Runs on a thread of its own once the
         * page before it returned from here, side by side with the listing and the writes.
         */
        default CompletionStage<Void> prepare(ThingPage page) {
            return CompletableFuture.completedFuture(null);
        }

        /** False for a token a resume could not start from: no checkpoint is saved at it (the last page's always is). */
        default boolean resumableFrom(String token) {
            return true;
        }
    }

    /**
     * Starts one thing's shadow write, with its retries; the stage completes with the outcome, or with
     * {@link RolloutStoppedException} when the rollout may no longer write.
     */
    @FunctionalInterface
    interface Writer {
        CompletionStage<WriteResult> write(String thing);
    }

    /** What the fan-out reports while it runs. */
    interface Progress {

        /** Pages are reported in order; throwing {@link RolloutStoppedException} stops the rollout. */
        void pageDone(Checkpoint checkpoint);

        /** Called about every heartbeat interval; throwing {@link RolloutStoppedException} stops the rollout. */
        void heartbeat();

        /** A cheap local check, asked before each write. */
        boolean cancelled();

        /** The rollout of a newer upload that asked this one to stop, or null; a cheap local check, asked before each write. */
        String supersededBy();

        /** Called once when the run ends, however it ends, with what held up its hand-out. */
        default void ended(Waits waits) {
        }
    }

    /**
     * What the hand-out of one run waited for, in all: the next page (listed and recorded in the ledger),
     * a place in flight (the rate and the round trip: writes waiting for a token hold their place), and the
     * oldest of {@link #MAX_OPEN_PAGES} open pages to finish. Which one dominates says what bounds a
     * rollout: the listing or the ledger, the quota, or a slow page.
     */
    record Waits(Duration forPages, Duration forPlaces, Duration forOpenPages) {

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "the writes waited %.1f s for pages to be listed and recorded, %.1f s for a place "
                    + "in flight, %.1f s for open pages to finish", forPages.toMillis() / 1e3,
                    forPlaces.toMillis() / 1e3, forOpenPages.toMillis() / 1e3);
        }
    }

    /** Where to start: the first page (null token, zero counts) or a saved checkpoint. */
    record Checkpoint(String token, int pages, RolloutCounts counts, List<String> failedThings) {

        static final Checkpoint START = new Checkpoint(null, 0, RolloutCounts.ZERO, List.of());

        Checkpoint {
            failedThings = List.copyOf(failedThings);
        }
    }

    enum Ending {
        COMPLETED, ABORTED, CANCELLED, SUPERSEDED
    }

    /**
     * @param reason    why it stopped early; for SUPERSEDED the id of the rollout that superseded it
     * @param unwritten things of pages prepared (recorded in the ledger) but never handed out, when it stopped
     *                  early: nothing was written to them
     */
    record Result(Ending ending, String reason, RolloutCounts counts, List<String> failedThings,
            List<String> unwritten) {

        Result(Ending ending, String reason, RolloutCounts counts, List<String> failedThings) {
            this(ending, reason, counts, failedThings, List.of());
        }
    }

    private record Stop(Ending ending, String reason) {
    }

    /** A page ready to write, and the rest of its preparation, which its commit waits for. */
    private record Prepared(ThingPage page, CompletionStage<Void> finished) {
    }

    private final Executor reader;
    private final IntSupplier inFlightLimit;
    private final AbortPolicy abort;
    private final Duration heartbeatEvery;
    private final Duration checkpointEvery;

    /**
     * @param reader        reads the next page of targets ahead of time
     * @param inFlightLimit how many writes may be in flight now; asked before each write
     * @param checkpointEvery the least time between two saved checkpoints (the last page is always saved)
     */
    FanOut(Executor reader, IntSupplier inFlightLimit, AbortPolicy abort, Duration heartbeatEvery,
            Duration checkpointEvery) {
        this.checkpointEvery = checkpointEvery;
        this.reader = reader;
        this.inFlightLimit = inFlightLimit;
        this.abort = abort;
        this.heartbeatEvery = heartbeatEvery;
    }

    Result run(Checkpoint start, Pages pages, Writer writer, Progress progress) throws InterruptedException {
        return new Run(start, pages, writer, progress).execute();
    }

    /** The state of one rollout's fan-out. */
    private final class Run {

        private final Pages pages;
        private final Writer writer;
        private final Progress progress;
        private final Permits permits = new Permits(inFlightLimit);
        private final Tally live;
        /** Failed names of every write so far: the final list. */
        private final Set<String> failedThings;
        /** Failed names of the committed pages only: saved with a checkpoint, as a resume writes the other pages again. */
        private final Set<String> committedFailed;
        private final Deque<PageWork> open = new ArrayDeque<>(2);
        /** Things of prepared pages that were not handed out because the rollout stopped. */
        private final List<String> unwritten = new ArrayList<>();
        private final String startToken;
        private RolloutCounts committed;
        private int committedPages;
        private long lastHeartbeat = System.nanoTime();
        private long lastSaved = System.nanoTime();
        private long waitedForPages;
        private long waitedForPlaces;
        private long waitedForOpenPages;

        Run(Checkpoint start, Pages pages, Writer writer, Progress progress) {
            this.pages = pages;
            this.writer = writer;
            this.progress = progress;
            this.live = new Tally(start.counts());
            this.failedThings = new LinkedHashSet<>(start.failedThings());
            this.committedFailed = new LinkedHashSet<>(start.failedThings());
            this.startToken = start.token();
            this.committed = start.counts();
            this.committedPages = start.pages();
        }

        Result execute() throws InterruptedException {
            try {
                return writeAll();
            } catch (WritesRefused refused) {
                // a page cannot be committed once a write of it was refused; the stop says why
                awaitInFlight();
                Optional<Stop> stop = stopped();
                if (stop.isEmpty()) {
                    throw new RolloutStoppedException("its writes were refused: its lease on the shadow slot ran out");
                }
                return stoppedWith(stop.get());
            } finally {
                progress.ended(new Waits(Duration.ofNanos(waitedForPages), Duration.ofNanos(waitedForPlaces),
                        Duration.ofNanos(waitedForOpenPages)));
            }
        }

        private Result stoppedWith(Stop stop) {
            return new Result(stop.ending(), stop.reason(), live.counts(), failedList(), List.copyOf(unwritten));
        }

        private Result writeAll() throws InterruptedException {
            try (PageFeed feed = new PageFeed(startToken)) {
                boolean more = true;
                while (more) {
                    long waitFrom = System.nanoTime();
                    Prepared prepared = feed.next();
                    waitedForPages += System.nanoTime() - waitFrom;
                    if (prepared == null) {
                        return stoppedWith(stopped().orElseThrow());
                    }
                    List<String> things = prepared.page().things();
                    more = prepared.page().nextToken() != null;
                    PageWork work = new PageWork(prepared.page().nextToken(), things.size(), prepared.finished());
                    open.add(work);
                    for (int i = 0; i < things.size(); i++) {
                        Optional<Stop> stop = stopped();
                        if (stop.isPresent()) {
                            unwritten.addAll(things.subList(i, things.size()));
                            feed.close();
                            awaitInFlight();
                            return stoppedWith(stop.get());
                        }
                        submit(things.get(i), work);
                    }
                    commitFinishedPages();
                }
            }
            while (!open.isEmpty()) {
                commit(open.removeFirst());
            }
            return new Result(Ending.COMPLETED, null, live.counts(), failedList());
        }

        /**
         * The pages from a token on, listed one after the other by one reader task, each prepared by a
         * task of its own after the page before it; at most {@link #PAGES_AHEAD} wait for the hand-out.
         * Closing it interrupts the listing (a fresh listing can take minutes); a page whose preparation
         * has not begun is not prepared, and one that was prepared, or is being prepared, is waited for and
         * its things noted as {@code unwritten}.
         */
        private final class PageFeed implements AutoCloseable {

            private final BlockingQueue<Future<Prepared>> ahead = new ArrayBlockingQueue<>(PAGES_AHEAD);
            private final FutureTask<Void> lister;
            private volatile boolean closed;

            PageFeed(String startToken) {
                lister = new FutureTask<>(() -> {
                    list(startToken);
                    return null;
                });
                reader.execute(lister);
            }

            private void list(String token) throws InterruptedException {
                String next = token;
                Future<Prepared> before = CompletableFuture.completedFuture(null);
                do {
                    ThingPage page;
                    try {
                        page = pages.fetch(next);
                    } catch (RuntimeException e) {
                        ahead.put(CompletableFuture.failedFuture(e));
                        return;
                    }
                    FutureTask<Prepared> prepared = new FutureTask<>(preparedAfter(before, page));
                    ahead.put(prepared);
                    reader.execute(prepared);
                    before = prepared;
                    next = page.nextToken();
                } while (next != null);
            }

            /**
             * A page is prepared once the page before it is: the hand-out needs them in order, and two
             * recordings side by side would both finish late on a store that serves them one call at a time.
             * A failure of the page before is the hand-out's to report (it meets that page first).
             */
            private Callable<Prepared> preparedAfter(Future<Prepared> before, ThingPage page) {
                return () -> {
                    try {
                        before.get();
                    } catch (ExecutionException | CancellationException e) {
                        throw new IllegalStateException("a page before this one was not prepared", e);
                    }
                    return closed ? null : new Prepared(page, pages.prepare(page));
                };
            }

            /** The next page, prepared; null when the rollout stopped while it waited. */
            Prepared next() throws InterruptedException {
                Future<Prepared> page;
                while ((page = ahead.poll(heartbeatMillis(), TimeUnit.MILLISECONDS)) == null) {
                    heartbeatIfDue();
                    if (stopped().isPresent()) {
                        close();
                        awaitInFlight();
                        return null;
                    }
                }
                return await(page);
            }

            /** The page once prepared; null when the rollout stopped while it waited. */
            private Prepared await(Future<Prepared> page) throws InterruptedException {
                try {
                    while (true) {
                        try {
                            return page.get(heartbeatMillis(), TimeUnit.MILLISECONDS);
                        } catch (TimeoutException e) {
                            heartbeatIfDue();
                            if (stopped().isPresent()) {
                                close();
                                leftOver(page);
                                awaitInFlight();
                                return null;
                            }
                        }
                    }
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException runtime) {
                        throw runtime;
                    }
                    throw new IllegalStateException("reading a page of targets failed", e.getCause());
                }
            }

            @Override
            public void close() {
                if (closed) {
                    return;
                }
                closed = true;
                lister.cancel(true);
                for (Future<Prepared> page = ahead.poll(); page != null; page = ahead.poll()) {
                    leftOver(page);
                }
            }

            /** A page that will not be handed out: once its preparation ended, its recorded things are unwritten. */
            private void leftOver(Future<Prepared> page) {
                try {
                    Prepared prepared = page.get(PREPARATION_WAIT_SECONDS, TimeUnit.SECONDS);
                    if (prepared != null) {
                        unwritten.addAll(prepared.page().things());
                    }
                } catch (InterruptedException e) {
                    // shutting down: the rollout resumes from its checkpoint and records these pages again
                    Thread.currentThread().interrupt();
                } catch (ExecutionException | CancellationException | TimeoutException e) {
                    LOG.debugf("A page left over at a stop was not prepared: %s", e.toString());
                }
            }
        }

        /** Commits the pages already written; waits only while more than {@link #MAX_OPEN_PAGES} are open. */
        private void commitFinishedPages() throws InterruptedException {
            if (open.stream().anyMatch(PageWork::wasRefused)) {
                throw new WritesRefused();
            }
            while (!open.isEmpty() && (open.peekFirst().isDone() || open.size() > MAX_OPEN_PAGES)) {
                boolean waits = !open.peekFirst().isDone();
                long waitFrom = System.nanoTime();
                commit(open.removeFirst());
                if (waits) {
                    waitedForOpenPages += System.nanoTime() - waitFrom;
                }
            }
        }

        private Optional<Stop> stopped() {
            String newer = progress.supersededBy();
            if (newer != null) {
                return Optional.of(new Stop(Ending.SUPERSEDED, newer));
            }
            if (progress.cancelled()) {
                return Optional.of(new Stop(Ending.CANCELLED, "cancelled"));
            }
            return abort.check(live.counts()).map(reason -> new Stop(Ending.ABORTED, reason));
        }

        private void submit(String thing, PageWork work) throws InterruptedException {
            long waitFrom = System.nanoTime();
            while (!permits.acquire(heartbeatMillis())) {
                heartbeatIfDue();
            }
            waitedForPlaces += System.nanoTime() - waitFrom;
            heartbeatIfDue();
            live.target();
            CompletionStage<WriteResult> write;
            try {
                write = writer.write(thing);
            } catch (RuntimeException e) {
                write = CompletableFuture.failedFuture(e);
            }
            write.whenComplete((result, error) -> {
                try {
                    if (error == null) {
                        record(result, work);
                    } else if (Failures.cause(error) instanceof RolloutStoppedException) {
                        work.refused();
                    } else {
                        LOG.warnf(Failures.cause(error), "Shadow update of %s failed", thing);
                        record(WriteResult.failed(thing, 0), work);
                    }
                } finally {
                    permits.release();
                }
            });
        }

        private void record(WriteResult result, PageWork work) {
            live.add(result);
            if (result.outcome() == WriteResult.Outcome.FAILED) {
                work.failed(result.thing());
                synchronized (failedThings) {
                    if (failedThings.size() < MAX_FAILED_NAMES) {
                        failedThings.add(result.thing());
                    }
                }
            }
            work.done(result);
        }

        private void commit(PageWork work) throws InterruptedException {
            while (!work.await(heartbeatMillis())) {
                heartbeatIfDue();
            }
            if (work.wasRefused()) {
                throw new WritesRefused();
            }
            // a checkpoint past a page whose preparation failed would leave it unfinished for good
            while (!work.awaitPrepared(heartbeatMillis())) {
                heartbeatIfDue();
            }
            committed = committed.plus(work.counts());
            committedPages++;
            for (String thing : work.failedThings()) {
                if (committedFailed.size() < MAX_FAILED_NAMES) {
                    committedFailed.add(thing);
                }
            }
            long now = System.nanoTime();
            // the last page is always saved; the others at most every checkpointEvery, so that saving
            // (a table write) does not hold up the hand-out at thousands of writes a second
            if (work.nextToken == null
                    || (now - lastSaved >= checkpointEvery.toNanos() && pages.resumableFrom(work.nextToken))) {
                progress.pageDone(new Checkpoint(work.nextToken, committedPages, committed, List.copyOf(committedFailed)));
                lastSaved = System.nanoTime();
                lastHeartbeat = lastSaved;
            }
        }

        /** After a stop: lets the writes already started finish so that the final counts are exact. */
        private void awaitInFlight() throws InterruptedException {
            while (!permits.awaitNone(heartbeatMillis())) {
                heartbeatIfDue();
            }
        }

        private void heartbeatIfDue() {
            long now = System.nanoTime();
            if (now - lastHeartbeat >= heartbeatEvery.toNanos()) {
                lastHeartbeat = now;
                progress.heartbeat();
            }
        }

        private long heartbeatMillis() {
            return Math.max(1, heartbeatEvery.toMillis());
        }

        private List<String> failedList() {
            synchronized (failedThings) {
                return new ArrayList<>(failedThings);
            }
        }
    }

    /** Places for writes in flight, as many as the limit says at the moment each write asks. */
    private static final class Permits {

        private final IntSupplier limit;
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition changed = lock.newCondition();
        private int inFlight;

        Permits(IntSupplier limit) {
            this.limit = limit;
        }

        /** False when no place came free within the time given. */
        boolean acquire(long millis) throws InterruptedException {
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            int max = limit.getAsInt();
            lock.lock();
            try {
                while (inFlight >= max) {
                    long left = until - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    changed.awaitNanos(left);
                }
                inFlight++;
                return true;
            } finally {
                lock.unlock();
            }
        }

        void release() {
            lock.lock();
            try {
                inFlight--;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        /** Waits until no write is in flight; false when some still were after the time given. */
        boolean awaitNone(long millis) throws InterruptedException {
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            lock.lock();
            try {
                while (inFlight > 0) {
                    long left = until - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    changed.awaitNanos(left);
                }
                return true;
            } finally {
                lock.unlock();
            }
        }
    }

    /** Thrown inside a run once a write was refused; the run then ends by its stop, or stops the rollout. */
    private static final class WritesRefused extends RuntimeException {

        WritesRefused() {
            super(null, null, false, false);
        }
    }

    /** The outstanding writes of one page and what they did. */
    private static final class PageWork {

        private final String nextToken;
        private final CompletableFuture<Void> prepared;
        private final CountDownLatch remaining;
        private final Tally tally = new Tally(RolloutCounts.ZERO);
        private final List<String> failed = new ArrayList<>();
        private volatile boolean refused;

        PageWork(String nextToken, int size, CompletionStage<Void> prepared) {
            this.nextToken = nextToken;
            this.prepared = prepared.toCompletableFuture();
            this.remaining = new CountDownLatch(size);
            tally.targets(size);
        }

        void done(WriteResult result) {
            tally.add(result);
            remaining.countDown();
        }

        synchronized void failed(String thing) {
            if (failed.size() < MAX_FAILED_NAMES) {
                failed.add(thing);
            }
        }

        synchronized List<String> failedThings() {
            return List.copyOf(failed);
        }

        /** A write that was not sent because the rollout may no longer write: the page stays uncommitted. */
        void refused() {
            refused = true;
            remaining.countDown();
        }

        boolean wasRefused() {
            return refused;
        }

        /** Every write has its outcome and the preparation finished: committing it does not wait. */
        boolean isDone() {
            return remaining.getCount() == 0 && prepared.isDone();
        }

        boolean await(long millis) throws InterruptedException {
            return remaining.await(millis, TimeUnit.MILLISECONDS);
        }

        /** True once the page's preparation finished; its failure is thrown as it is. */
        boolean awaitPrepared(long millis) throws InterruptedException {
            try {
                prepared.get(millis, TimeUnit.MILLISECONDS);
                return true;
            } catch (TimeoutException e) {
                return false;
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException runtime) {
                    throw runtime;
                }
                throw new IllegalStateException("preparing a page failed", e.getCause());
            }
        }

        RolloutCounts counts() {
            return tally.counts();
        }
    }
}
