package io.shadowcast.join;

import io.shadowcast.concurrent.DaemonThreads;
import io.shadowcast.concurrent.Failures;
import io.shadowcast.config.JoinConfig;
import io.shadowcast.config.RolloutConfig;
import io.shadowcast.rollout.DeviceLedger;
import io.shadowcast.rollout.RolloutRecord;
import io.shadowcast.rollout.RolloutService;
import io.shadowcast.rollout.RolloutStatus;
import io.shadowcast.rollout.RolloutStore;
import io.shadowcast.rollout.ShadowWriter;
import io.shadowcast.rollout.SlotLease;
import io.shadowcast.rollout.ThingPage;
import io.shadowcast.rollout.ThingSource;
import io.shadowcast.rollout.UploadOrder;
import io.shadowcast.rollout.WriteResult;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.locks.ReentrantLock;
import org.jboss.logging.Logger;
import software.amazon.awssdk.core.SdkBytes;

/**
 * Writes a rollout's document to things that joined its targets after its own pass, one thing at a
 * time (a registry event) or all that miss it (a sweep). The rules, in order (the table is in
 * docs/rollout.md, "Things that join later"):
 *
 * <ol>
 * <li>The rollout for a thing is the newest upload, among the {@code rollouts-considered} most recent,
 * whose targeting includes the thing as the registry says now, and that is {@code RUNNING} (object
 * read), {@code SUCCEEDED} or {@code PARTIAL}. None: nothing is written.</li>
 * <li>Every write is made holding the shadow slot's writer role ({@link SlotLease#borrow}): it waits
 * while any rollout writes the slot, and a rollout that enters meanwhile waits for it. Holding the role,
 * the rollout is chosen again, so a newer upload that entered while this one waited wins.</li>
 * <li>The shadow is read first: a thing that already holds the document is not written again
 * (duplicate events cost one read, not a write and a device notification); a thing that holds the
 * document of a newer upload, which no longer targets it, keeps it (nothing is rolled back).</li>
 * <li>Written things are counted on the rollout as {@code joined}, once the write succeeded.</li>
 * </ol>
 *
 * A sweep writes only the newest upload of the slot, as {@code retry} does: the things an older one
 * targets may hold a newer object by now.
 */
@ApplicationScoped
public class JoinWriter {

    private static final Logger LOG = Logger.getLogger(JoinWriter.class);

    /** Statuses whose document a joining thing gets: the rollout went, or goes, through its targets. */
    private static final Set<RolloutStatus> LIVE = Set.of(RolloutStatus.RUNNING, RolloutStatus.SUCCEEDED,
            RolloutStatus.PARTIAL);
    static final int MAX_NAMES = 100;
    private static final int MARKS_REMEMBERED = 1_000;

    /** What a join event did. */
    public enum Outcome {
        WRITTEN, ALREADY_HELD, NEWER_HELD, NOT_TARGETED, GONE
    }

    /** @param rolloutId the rollout whose document the thing gets, or null when none targets it */
    public record Joined(String thing, Outcome outcome, String rolloutId) {
    }

    /**
     * What a sweep found and did.
     *
     * @param listed  targets listed
     * @param holding targets whose shadow already held the document
     * @param written the shadows written (counted as {@code joined})
     * @param stopped why it stopped early (a newer upload asked for the slot), or null
     */
    public record SweepReport(String id, long listed, long holding, long written, long skipped, long failed,
            List<String> writtenThings, String stopped) {
    }

    /** Why a sweep cannot run; {@code notFound} for an unknown rollout. */
    public static final class SweepRefused extends RuntimeException {

        private final boolean notFound;

        SweepRefused(String message, boolean notFound) {
            super(message);
            this.notFound = notFound;
        }

        public boolean notFound() {
            return notFound;
        }
    }

    /** The thing's write failed after all retries: its event stays on the queue for another attempt. */
    public static final class JoinFailed extends RuntimeException {

        JoinFailed(String message) {
            super(message);
        }
    }

    /** The rollout for a thing and the newer uploads, whose documents it must not overwrite. */
    private record Choice(RolloutRecord rollout, List<RolloutRecord> newer) {
    }

    private final RolloutStore store;
    private final SlotLease slots;
    private final RolloutService rollouts;
    private final ShadowWriter writer;
    private final DeviceLedger ledger;
    private final ShadowReader shadows;
    private final ThingRegistry registry;
    private final ThingSource things;
    private final JoinConfig config;
    private final String shadowName;
    private final String slot;
    private final ExecutorService sweepPool;
    /** Rollouts this replica marked as recorded by a join ({@link RolloutStore#markJoinRecorded}): marked once. */
    private final Set<String> joinRecorded = ConcurrentHashMap.newKeySet();
    /** This replica's joins and sweeps take the slot one after the other here instead of polling the table. */
    private final ReentrantLock slotHere = new ReentrantLock();

    JoinWriter(RolloutStore store, SlotLease slots, RolloutService rollouts, ShadowWriter writer, DeviceLedger ledger,
            ShadowReader shadows, ThingRegistry registry, ThingSource things, RolloutConfig rolloutConfig, JoinConfig config) {
        this.store = store;
        this.slots = slots;
        this.rollouts = rollouts;
        this.writer = writer;
        this.ledger = ledger;
        this.shadows = shadows;
        this.registry = registry;
        this.things = things;
        this.config = config;
        this.shadowName = rolloutConfig.shadowName().orElse(null);
        this.slot = SlotLease.slotOf(shadowName);
        this.sweepPool = Executors.newFixedThreadPool(config.sweepConcurrency(), DaemonThreads.named("join-sweep"));
    }

    @PreDestroy
    void stop() {
        sweepPool.shutdownNow();
    }

    /**
     * Gives a thing that may have joined a rollout's targets that rollout's document.
     *
     * @throws JoinFailed when the write failed after all retries
     */
    public Joined join(String thing) throws InterruptedException {
        Optional<ThingRegistry.Thing> registered = registry.lookUp(thing);
        if (registered.isEmpty()) {
            return new Joined(thing, Outcome.GONE, null);
        }
        Choice first = choose(registered.get());
        if (first.rollout() == null) {
            return new Joined(thing, Outcome.NOT_TARGETED, null);
        }
        // a newer upload may have entered, or ended its pass, while this one waited for the slot: choose again
        return holdingTheSlot(first.rollout(), role -> writeIfMissing(thing, choose(registered.get()), role));
    }

    private Joined writeIfMissing(String thing, Choice choice, SlotLease.Writer role) throws InterruptedException {
        RolloutRecord rollout = choice.rollout();
        if (rollout == null) {
            return new Joined(thing, Outcome.NOT_TARGETED, null);
        }
        ShadowReader.Held held = shadows.desired(thing);
        if (held.isDocumentOf(rollout)) {
            return new Joined(thing, Outcome.ALREADY_HELD, rollout.id());
        }
        Optional<RolloutRecord> newer = choice.newer().stream().filter(held::isDocumentOf).findFirst();
        if (newer.isPresent()) {
            return new Joined(thing, Outcome.NEWER_HELD, newer.get().id());
        }
        WriteResult result = writeRecorded(rollout, thing, rollouts.documentOf(rollout), role.fence());
        switch (result.outcome()) {
            case UPDATED -> {
                store.addJoined(rollout.id(), 1);
                return new Joined(thing, Outcome.WRITTEN, rollout.id());
            }
            case SKIPPED -> {
                return new Joined(thing, Outcome.GONE, rollout.id());
            }
            default -> throw new JoinFailed("the shadow update of " + thing + " with the object of rollout "
                    + rollout.id() + " failed after all retries");
        }
    }

    /**
     * The newest live rollout whose targeting includes the thing, and the uploads newer than it. Picked
     * by pairwise comparison, not by sorting: the upload order compares one key's uploads by sequencer and
     * others by time, which need not be transitive across keys.
     */
    private Choice choose(ThingRegistry.Thing thing) {
        List<RolloutRecord> recent = store.list(config.rolloutsConsidered(), null).items().stream()
                .filter(record -> record.hash() != null && record.targeting() != null)
                .toList();
        RolloutRecord chosen = null;
        for (RolloutRecord record : recent) {
            if (LIVE.contains(record.status()) && (chosen == null || record.order().isNewerThan(chosen.order()))
                    && thing.isTargetedBy(record.targeting())) {
                chosen = record;
            }
        }
        if (chosen == null) {
            return new Choice(null, List.of());
        }
        UploadOrder order = chosen.order();
        return new Choice(chosen, recent.stream().filter(record -> record.order().isNewerThan(order)).toList());
    }

    /**
     * Lists the rollout's targets again and writes its document to those whose shadow does not hold it,
     * holding the slot's writer role throughout (renewed page by page).
     *
     * @throws SweepRefused when the rollout is unknown, has not ended SUCCEEDED or PARTIAL, or is no
     *                      longer the newest upload of its slot
     */
    public SweepReport sweep(String id) throws InterruptedException {
        RolloutRecord record = store.get(id).orElseThrow(() -> new SweepRefused("no rollout " + id, true));
        if (record.status() != RolloutStatus.SUCCEEDED && record.status() != RolloutStatus.PARTIAL) {
            throw new SweepRefused("rollout " + id + " is " + record.status()
                    + ": only a SUCCEEDED or PARTIAL rollout is swept (a running one lists its targets itself)", false);
        }
        return holdingTheSlot(record, role -> {
            if (!slots.isNewest(slot, record.order())) {
                throw new SweepRefused("rollout " + id + " is no longer the newest upload for its shadow: "
                        + "a sweep would write an older object over a newer one", false);
            }
            return new Sweep(record, role).run();
        });
    }

    /** Work done holding the slot's writer role. */
    @FunctionalInterface
    private interface SlotWork<T> {
        T run(SlotLease.Writer role) throws InterruptedException;
    }

    /**
     * Runs {@code work} holding the slot's writer role on behalf of {@code rollout}, and releases it: at
     * once for the next writer when no write can be in flight any more, otherwise after the fence's grace.
     */
    private <T> T holdingTheSlot(RolloutRecord rollout, SlotWork<T> work) throws InterruptedException {
        slotHere.lockInterruptibly();
        try {
            SlotLease.Writer role = slots.borrow(slot, rollout.id(), UUID.randomUUID().toString(), rollout.target(),
                    () -> { });
            boolean drained = false;
            try {
                T result = work.run(role);
                drained = true;
                return result;
            } catch (SweepRefused | JoinFailed refusedOrDone) {
                // refused before any write, or failed after its write ended: nothing is in flight
                drained = true;
                throw refusedOrDone;
            } finally {
                slots.release(role, drained);
            }
        } finally {
            slotHere.unlock();
        }
    }

    /**
     * Writes the rollout's object to one thing, recorded in the device ledger first like the rollout's own
     * writes, so that its device's report counts for the rollout (docs/rollout.md, "Convergence"). The
     * rollout's record is marked before the first recording, while this join holds the slot: a pass of the
     * rollout entering the slot after it then looks its things up instead of recording them unread.
     */
    private WriteResult writeRecorded(RolloutRecord rollout, String thing, SdkBytes document, SlotLease.Fence fence)
            throws InterruptedException {
        int wave = rollout.plan() == null ? 0 : rollout.plan().waveOf(rollout.id(), thing);
        if (!joinRecorded.contains(rollout.id())) {
            store.markJoinRecorded(rollout.id());
            if (joinRecorded.size() >= MARKS_REMEMBERED) {
                joinRecorded.clear();
            }
            joinRecorded.add(rollout.id());
        }
        if (!fence.awaitOpen()) {
            throw new JoinFailed("the shadow slot was lost before " + thing + " was recorded for rollout " + rollout.id());
        }
        ledger.willWriteCounted(rollout.id(), wave, List.of(thing));
        WriteResult result = writer.write(thing, shadowName, document, fence);
        if (result.outcome() != WriteResult.Outcome.UPDATED) {
            ledger.notWritten(rollout.id(), thing);
        }
        return result;
    }

    /** One sweep's pass over the targets: each page read and written {@code sweep-concurrency} at a time. */
    private final class Sweep {

        private final RolloutRecord rollout;
        private final SlotLease.Writer role;
        private final SdkBytes document;
        private long listed;
        private long holding;
        private long written;
        private long skipped;
        private long failed;
        private final List<String> writtenThings = new ArrayList<>();

        Sweep(RolloutRecord rollout, SlotLease.Writer role) {
            this.rollout = rollout;
            this.role = role;
            this.document = rollouts.documentOf(rollout);
        }

        SweepReport run() throws InterruptedException {
            String token = null;
            String stopped = null;
            try {
                do {
                    SlotLease.Renewal renewal = slots.renew(role);
                    if (!(renewal instanceof SlotLease.Renewal.Renewed)) {
                        stopped = renewal instanceof SlotLease.Renewal.Superseded superseded
                                ? "the newer upload of rollout " + superseded.by() + " asked for the shadow slot"
                                : "the shadow slot was taken over";
                        break;
                    }
                    ThingPage page = things.page(rollout.targeting(), token);
                    sweepPage(page.things());
                    token = page.nextToken();
                } while (token != null);
            } finally {
                if (written > 0) {
                    store.addJoined(rollout.id(), written);
                }
            }
            SweepReport report = new SweepReport(rollout.id(), listed, holding, written, skipped, failed,
                    List.copyOf(writtenThings), stopped);
            LOG.infof("Sweep of rollout %s of %s: %d targets listed, %d held its object, %d written, %d gone, %d failed%s",
                    rollout.id(), rollout.url(), listed, holding, written, skipped, failed,
                    stopped == null ? "" : "; stopped early: " + stopped);
            return report;
        }

        private void sweepPage(List<String> names) throws InterruptedException {
            listed += names.size();
            List<Future<Optional<WriteResult>>> results = new ArrayList<>(names.size());
            for (String thing : names) {
                results.add(sweepPool.submit(() -> shadows.desired(thing).isDocumentOf(rollout) ? Optional.empty()
                        : Optional.of(writeRecorded(rollout, thing, document, role.fence()))));
            }
            for (Future<Optional<WriteResult>> future : results) {
                Optional<WriteResult> result;
                try {
                    result = future.get();
                } catch (ExecutionException e) {
                    throw Failures.unchecked(e);
                }
                if (result.isEmpty()) {
                    holding++;
                    continue;
                }
                switch (result.get().outcome()) {
                    case UPDATED -> {
                        written++;
                        if (writtenThings.size() < MAX_NAMES) {
                            writtenThings.add(result.get().thing());
                        }
                    }
                    case SKIPPED -> skipped++;
                    case FAILED -> failed++;
                }
            }
        }
    }
}
