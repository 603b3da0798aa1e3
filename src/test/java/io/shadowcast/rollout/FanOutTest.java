package io.shadowcast.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FanOutTest {

    private static final int PAGE = 250;
    private final ExecutorService pool = Executors.newFixedThreadPool(8);
    private final ExecutorService reader = Executors.newCachedThreadPool();
    private final FanOut fanOut = new FanOut(reader, () -> 8, new AbortPolicy(50, 100), Duration.ofMillis(50), Duration.ZERO);

    @AfterEach
    void stop() {
        pool.shutdownNow();
        reader.shutdownNow();
    }

    @Test
    void everyThingOnceCheckpointsInPageOrderWithCountsOfCommittedPages() throws Exception {
        Fleet fleet = new Fleet(1_010);
        Set<String> written = ConcurrentHashMap.newKeySet();
        Recorder progress = new Recorder();

        var result = fanOut.run(FanOut.Checkpoint.START, fleet::page, onPool(thing -> {
            assertThat(written.add(thing)).as("written twice: %s", thing).isTrue();
            return thing.endsWith("7") ? WriteResult.skipped(thing) : WriteResult.updated(thing, 1);
        }), progress);

        assertThat(result.ending()).isEqualTo(FanOut.Ending.COMPLETED);
        assertThat(written).hasSize(1_010);
        assertThat(result.counts()).isEqualTo(new RolloutCounts(1_010, 909, 101, 0, 909));
        assertThat(progress.checkpoints).extracting(FanOut.Checkpoint::token)
                .containsExactly("250", "500", "750", "1000", null);
        assertThat(progress.checkpoints).extracting(c -> c.counts().targets())
                .containsExactly(250L, 500L, 750L, 1000L, 1010L);
        assertThat(progress.checkpoints.get(4).counts()).isEqualTo(result.counts());
        assertThat(progress.checkpoints).extracting(FanOut.Checkpoint::pages).containsExactly(1, 2, 3, 4, 5);
    }

    @Test
    void checkpointsAreSavedAtMostEveryIntervalAndTheLastPageAlways() throws Exception {
        FanOut spaced = new FanOut(reader, () -> 8, new AbortPolicy(50, 100), Duration.ofMillis(50), Duration.ofHours(1));
        Recorder progress = new Recorder();

        var result = spaced.run(FanOut.Checkpoint.START, new Fleet(1_010)::page,
                onPool(thing -> WriteResult.updated(thing, 0)), progress);

        assertThat(result.counts().updated()).isEqualTo(1_010);
        assertThat(progress.checkpoints).singleElement().satisfies(last -> {
            assertThat(last.token()).isNull();
            assertThat(last.pages()).isEqualTo(5);
            assertThat(last.counts()).isEqualTo(result.counts());
        });
    }

    @Test
    void atMostThePagesAheadTwoMoreAndTheWritesInFlightAreAliveWhateverTheFleetSize() throws Exception {
        Fleet fleet = new Fleet(50_000);

        var result = fanOut.run(FanOut.Checkpoint.START, fleet::page, onPool(thing -> {
            fleet.alive.decrementAndGet();
            return WriteResult.updated(thing, 0);
        }), new Recorder());

        assertThat(result.counts().updated()).isEqualTo(50_000);
        // the pages waiting ahead, the one the listing holds until there is room, the one handed out
        assertThat(fleet.peakAlive.get()).isLessThanOrEqualTo((FanOut.PAGES_AHEAD + 2) * PAGE + 8);
    }

    @Test
    void pagesArePreparedOneAtATimeInPageOrderBeforeTheirWrites() throws Exception {
        Fleet fleet = new Fleet(2_000);
        AtomicInteger preparing = new AtomicInteger();
        AtomicInteger mostAtOnce = new AtomicInteger();
        List<String> preparedFirsts = Collections.synchronizedList(new ArrayList<>());
        Set<String> prepared = ConcurrentHashMap.newKeySet();
        FanOut.Pages pages = fleet.preparedBy(page -> {
            mostAtOnce.accumulateAndGet(preparing.incrementAndGet(), Math::max);
            try {
                Thread.sleep(page.things().get(0).equals("t-0") ? 60 : 5); // a slow first page
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            preparedFirsts.add(page.things().get(0));
            prepared.addAll(page.things());
            preparing.decrementAndGet();
            return CompletableFuture.completedFuture(null);
        });

        var result = fanOut.run(FanOut.Checkpoint.START, pages, onPool(thing -> {
            assertThat(prepared).as("written before its page was prepared: %s", thing).contains(thing);
            return WriteResult.updated(thing, 0);
        }), new Recorder());

        assertThat(result.counts().updated()).isEqualTo(2_000);
        assertThat(mostAtOnce.get()).isEqualTo(1);
        assertThat(preparedFirsts).containsExactly("t-0", "t-250", "t-500", "t-750", "t-1000", "t-1250", "t-1500",
                "t-1750");
    }

    @Test
    void aRunReportsWhetherItsWritesWaitedForPagesOrForPlacesInFlight() throws Exception {
        Fleet fleet = new Fleet(2 * PAGE);
        Recorder slowLedger = new Recorder();
        fanOut.run(FanOut.Checkpoint.START, fleet.preparedBy(page -> {
            if (page.things().get(0).equals("t-250")) {
                try {
                    Thread.sleep(300); // a slow recording of the second page
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return CompletableFuture.completedFuture(null);
        }), onPool(thing -> WriteResult.updated(thing, 0)), slowLedger);

        assertThat(slowLedger.waits.forPages()).isGreaterThan(Duration.ofMillis(150));
        assertThat(slowLedger.waits.forPlaces()).isLessThan(Duration.ofMillis(150));

        Recorder slowWrites = new Recorder();
        fanOut.run(FanOut.Checkpoint.START, fleet::page, onPool(thing -> {
            Thread.sleep(5); // eight in flight at a time: 500 writes take about 300 ms
            return WriteResult.updated(thing, 0);
        }), slowWrites);

        assertThat(slowWrites.waits.forPlaces()).isGreaterThan(Duration.ofMillis(150));
        assertThat(slowWrites.waits.forPages()).isLessThan(Duration.ofMillis(150));
        assertThat(slowWrites.waits.toString()).startsWith("the writes waited 0.");
    }

    @Test
    void resumesFromACheckpointWithoutCountingTwice() throws Exception {
        Fleet fleet = new Fleet(1_000);
        var start = new FanOut.Checkpoint("500", 2, new RolloutCounts(500, 499, 0, 1, 3), List.of("t-42"));
        Set<String> written = ConcurrentHashMap.newKeySet();

        var result = fanOut.run(start, fleet::page, onPool(thing -> {
            written.add(thing);
            return WriteResult.updated(thing, 0);
        }), new Recorder());

        assertThat(written).hasSize(500).contains("t-500", "t-999").doesNotContain("t-499");
        assertThat(result.counts()).isEqualTo(new RolloutCounts(1_000, 999, 0, 1, 3));
        assertThat(result.failedThings()).containsExactly("t-42");
    }

    @Test
    void noCheckpointIsSavedAtATokenAResumeCouldNotStartFrom() throws Exception {
        Fleet fleet = new Fleet(1_010);
        FanOut.Pages pages = new FanOut.Pages() {
            @Override
            public ThingPage fetch(String token) {
                return fleet.page(token);
            }

            @Override
            public boolean resumableFrom(String token) {
                return Integer.parseInt(token) < 500;
            }
        };
        Recorder progress = new Recorder();

        var result = fanOut.run(FanOut.Checkpoint.START, pages, onPool(thing -> WriteResult.updated(thing, 0)), progress);

        assertThat(result.counts().updated()).isEqualTo(1_010);
        assertThat(progress.checkpoints).extracting(FanOut.Checkpoint::token).containsExactly("250", null);
        assertThat(progress.checkpoints.get(1).counts()).isEqualTo(result.counts());
    }

    @Test
    void abortsWhenTooManyFailAfterTheMinimumAttempts() throws Exception {
        Fleet fleet = new Fleet(5_000);
        Recorder progress = new Recorder();

        var result = fanOut.run(FanOut.Checkpoint.START, fleet::page,
                onPool(thing -> Integer.parseInt(thing.substring(2)) % 3 == 0 ? WriteResult.updated(thing, 0)
                        : WriteResult.failed(thing, 0)), progress);

        assertThat(result.ending()).isEqualTo(FanOut.Ending.ABORTED);
        assertThat(result.reason()).contains("above the abort threshold of 50.0%");
        assertThat(result.counts().attempted()).isBetween(100L, 1_000L);
        assertThat(result.counts().attempted()).isEqualTo(result.counts().targets());
        assertThat(result.failedThings()).hasSize((int) result.counts().failed()).doesNotHaveDuplicates()
                .allMatch(name -> Integer.parseInt(name.substring(2)) % 3 != 0);
    }

    @Test
    void keepsTheFirstHundredFailedNames() throws Exception {
        FanOut neverAborts = new FanOut(reader, () -> 8, new AbortPolicy(100, 0), Duration.ofMillis(50), Duration.ZERO);

        var result = neverAborts.run(FanOut.Checkpoint.START, new Fleet(600)::page,
                onPool(thing -> WriteResult.failed(thing, 0)), new Recorder());

        assertThat(result.ending()).isEqualTo(FanOut.Ending.COMPLETED);
        assertThat(result.counts().failed()).isEqualTo(600);
        assertThat(result.failedThings()).hasSize(FanOut.MAX_FAILED_NAMES).doesNotHaveDuplicates()
                .allMatch(name -> Integer.parseInt(name.substring(2)) < 250);
    }

    @Test
    void cancellationStopsHandingOutWorkAndWaitsForWritesInFlight() throws Exception {
        Fleet fleet = new Fleet(2_000);
        AtomicInteger writes = new AtomicInteger();
        AtomicBoolean cancelled = new AtomicBoolean();
        Recorder progress = new Recorder() {
            @Override
            public boolean cancelled() {
                return cancelled.get();
            }
        };

        var result = fanOut.run(FanOut.Checkpoint.START, fleet::page, onPool(thing -> {
            if (writes.incrementAndGet() == 300) {
                cancelled.set(true);
            }
            return WriteResult.updated(thing, 0);
        }), progress);

        assertThat(result.ending()).isEqualTo(FanOut.Ending.CANCELLED);
        assertThat(result.counts().updated()).isEqualTo(writes.get()).isLessThan(2_000);
        assertThat(result.counts().targets()).isEqualTo(result.counts().updated());
    }

    @Test
    void aStopNamesTheThingsItsPagesPreparedButNeverHandedOut() throws Exception {
        Fleet fleet = new Fleet(2_000);
        Set<String> prepared = ConcurrentHashMap.newKeySet();
        Set<String> written = ConcurrentHashMap.newKeySet();
        AtomicBoolean cancelled = new AtomicBoolean();
        Recorder progress = new Recorder() {
            @Override
            public boolean cancelled() {
                return cancelled.get();
            }
        };
        FanOut.Pages pages = fleet.preparedBy(page -> {
            prepared.addAll(page.things());
            return CompletableFuture.completedFuture(null);
        });

        var result = fanOut.run(FanOut.Checkpoint.START, pages, onPool(thing -> {
            written.add(thing);
            if (thing.equals("t-300")) {
                awaitTrue(() -> prepared.size() == 4 * PAGE); // the two pages after this one are prepared
                cancelled.set(true);
            } else if (Integer.parseInt(thing.substring(2)) > 300) {
                awaitTrue(cancelled::get); // the writes after it do not run ahead of the stop
            }
            return WriteResult.updated(thing, 0);
        }), progress);

        assertThat(result.ending()).isEqualTo(FanOut.Ending.CANCELLED);
        assertThat(result.unwritten()).as("the rest of the page being handed out and the two pages ahead")
                .hasSize(4 * PAGE - written.size());
        assertThat(result.unwritten()).doesNotHaveDuplicates().doesNotContainAnyElementsOf(written);
        Set<String> accounted = new HashSet<>(written);
        accounted.addAll(result.unwritten());
        assertThat(accounted).as("every prepared thing was written or is named unwritten").isEqualTo(prepared);
        assertThat(result.counts().updated()).isEqualTo(written.size());
    }

    @Test
    void aWriterExceptionIsAFailureOfThatThingOnly() throws Exception {
        Fleet fleet = new Fleet(10);

        var result = fanOut.run(FanOut.Checkpoint.START, fleet::page, onPool(thing -> {
            if (thing.equals("t-3")) {
                throw new IllegalStateException("boom");
            }
            return WriteResult.updated(thing, 0);
        }), new Recorder());

        assertThat(result.ending()).isEqualTo(FanOut.Ending.COMPLETED);
        assertThat(result.counts()).isEqualTo(new RolloutCounts(10, 9, 0, 1, 0));
        assertThat(result.failedThings()).containsExactly("t-3");
    }

    @Test
    void heartbeatsWhileWritesAreSlow() throws Exception {
        Fleet fleet = new Fleet(16);
        Recorder progress = new Recorder();

        fanOut.run(FanOut.Checkpoint.START, fleet::page, onPool(thing -> {
            Thread.sleep(100);
            return WriteResult.updated(thing, 0);
        }), progress);

        assertThat(progress.heartbeats.get()).isPositive();
    }

    /** Things t-0..t-(n-1) in pages of 250; the token is the index of the page's first thing. */
    @Test
    void aCheckpointSavesOnlyTheFailuresOfItsCommittedPages() throws Exception {
        Fleet fleet = new Fleet(750);
        Recorder progress = new Recorder();

        var result = fanOut.run(FanOut.Checkpoint.START, fleet::page, onPool(thing -> {
            if (thing.equals("t-10")) {
                Thread.sleep(300); // page 1 commits only after page 2's failure is known
            }
            return thing.equals("t-260") ? WriteResult.failed(thing, 0) : WriteResult.updated(thing, 0);
        }), progress);

        assertThat(result.failedThings()).containsExactly("t-260");
        assertThat(progress.checkpoints.get(0).failedThings()).as("page 1 holds no failure of page 2, which a resume writes again")
                .isEmpty();
        assertThat(progress.checkpoints.get(1).failedThings()).containsExactly("t-260");
    }

    @Test
    void writesRefusedAfterASupersedingUploadEndTheRunSupersededWithoutCommittingTheirPage() throws Exception {
        Fleet fleet = new Fleet(750);
        AtomicBoolean superseded = new AtomicBoolean();
        Recorder progress = new Recorder() {
            @Override
            public String supersededBy() {
                return superseded.get() ? "newer" : null;
            }
        };

        var result = fanOut.run(FanOut.Checkpoint.START, fleet::page, onPool(thing -> {
            if (thing.equals("t-300")) {
                superseded.set(true);
            }
            if (superseded.get()) {
                throw new RolloutStoppedException("fence closed");
            }
            return WriteResult.updated(thing, 0);
        }), progress);

        assertThat(result.ending()).isEqualTo(FanOut.Ending.SUPERSEDED);
        assertThat(result.reason()).isEqualTo("newer");
        assertThat(progress.checkpoints).allMatch(checkpoint -> checkpoint.pages() < 2);
        assertThat(result.counts().attempted()).isLessThan(result.counts().targets());
    }

    @Test
    void writesRefusedWithoutASupersedingUploadStopTheRolloutOnThisWorker() {
        Fleet fleet = new Fleet(300);

        assertThatThrownBy(() -> fanOut.run(FanOut.Checkpoint.START, fleet::page, onPool(thing -> {
            throw new RolloutStoppedException("fence closed");
        }), new Recorder())).isInstanceOf(RolloutStoppedException.class).hasMessageContaining("lease on the shadow slot");
    }

    /** A writer like the service's: asynchronous, its outcome completed on another thread. */
    @FunctionalInterface
    private interface BlockingWriter {
        WriteResult write(String thing) throws Exception;
    }

    @Test
    void writesGoOnWhileAPagesPreparationFinishesAndItsCheckpointWaitsForItAndStopsWhenItFailed() throws Exception {
        Fleet fleet = new Fleet(1_000);
        Map<String, CompletableFuture<Void>> finishing = new ConcurrentHashMap<>();
        AtomicInteger writes = new AtomicInteger();
        Recorder progress = new Recorder();
        FanOut.Pages pages = fleet.preparedBy(
                page -> finishing.computeIfAbsent(page.things().get(0), first -> new CompletableFuture<>()));
        ExecutorService runner = Executors.newSingleThreadExecutor();
        try {
            Future<FanOut.Result> run = runner.submit(() -> fanOut.run(FanOut.Checkpoint.START, pages,
                    onPool(thing -> {
                        writes.incrementAndGet();
                        return WriteResult.updated(thing, 0);
                    }), progress));

            awaitTrue(() -> writes.get() == 1_000);
            Thread.sleep(100);
            assertThat(progress.checkpoints).as("no page is committed before its preparation finished").isEmpty();

            finishing.get("t-0").complete(null);
            awaitTrue(() -> progress.checkpoints.size() == 1);
            finishing.get("t-250").completeExceptionally(new IllegalStateException("the count failed"));

            assertThatThrownBy(() -> run.get(10, TimeUnit.SECONDS)).hasRootCauseInstanceOf(IllegalStateException.class)
                    .hasRootCauseMessage("the count failed");
            assertThat(progress.checkpoints).hasSize(1);
            assertThat(progress.checkpoints.get(0).token()).as("a resume repeats the page").isEqualTo("250");
        } finally {
            runner.shutdownNow();
        }
    }

    private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited 10 s").isLessThan(until);
            Thread.sleep(5);
        }
    }

    private FanOut.Writer onPool(BlockingWriter writer) {
        return thing -> CompletableFuture.supplyAsync(() -> {
            try {
                return writer.write(thing);
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        }, pool);
    }

    private static final class Fleet {

        final int size;
        final AtomicInteger alive = new AtomicInteger();
        final AtomicInteger peakAlive = new AtomicInteger();

        Fleet(int size) {
            this.size = size;
        }

        ThingPage page(String token) {
            int from = token == null ? 0 : Integer.parseInt(token);
            int to = Math.min(size, from + PAGE);
            List<String> names = new ArrayList<>(to - from);
            for (int i = from; i < to; i++) {
                names.add("t-" + i);
            }
            peakAlive.accumulateAndGet(alive.addAndGet(names.size()), Math::max);
            return new ThingPage(names, to < size ? Integer.toString(to) : null);
        }

        /** The fleet's pages, each prepared by {@code prepare}. */
        FanOut.Pages preparedBy(Function<ThingPage, CompletionStage<Void>> prepare) {
            return new FanOut.Pages() {
                @Override
                public ThingPage fetch(String token) {
                    return page(token);
                }

                @Override
                public CompletionStage<Void> prepare(ThingPage page) {
                    return prepare.apply(page);
                }
            };
        }
    }

    private static class Recorder implements FanOut.Progress {

        final List<FanOut.Checkpoint> checkpoints = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger heartbeats = new AtomicInteger();
        volatile FanOut.Waits waits;

        @Override
        public void ended(FanOut.Waits waits) {
            this.waits = waits;
        }

        @Override
        public void pageDone(FanOut.Checkpoint checkpoint) {
            checkpoints.add(checkpoint);
        }

        @Override
        public void heartbeat() {
            heartbeats.incrementAndGet();
        }

        @Override
        public boolean cancelled() {
            return false;
        }

        @Override
        public String supersededBy() {
            return null;
        }
    }
}
