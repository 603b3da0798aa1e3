package io.shadowcast.rollout;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.shadowcast.concurrent.DaemonThreads;
import io.shadowcast.config.RolloutConfig;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Runs the rollout of one upload: claim its record, hash the object, enter the shadow slot (newest
 * upload wins, see {@link SlotLease}), stream the targets into the fan-out, checkpoint each page, and
 * write the outcome. Called for every ObjectCreated
 * record, whether it came from S3 or from {@code POST /rollouts}.
 *
 * <p>Returns normally once the record holds a final status (the message may then be deleted) and
 * throws on anything transient (the message stays and a redelivery resumes from the checkpoint).
 */
@ApplicationScoped
public class RolloutService {

    private static final Logger LOG = Logger.getLogger(RolloutService.class);

    private final RolloutStore store;
    private final ObjectDigest digests;
    private final ThingSource things;
    private final ShadowWriter writer;
    private final S3Presigner presigner;
    private final RolloutConfig config;
    private final TargetRule targets;
    private final ShadowPayload payloads;
    /** At most one checkpoint save a second: at 4,000 writes/s a page is done every 60 ms. */
    static final Duration CHECKPOINT_EVERY = Duration.ofSeconds(1);
    /** Things told to the ledger side by side after a stop (each is a read and a few conditional writes). */
    private static final int FORGET_LANES = 8;

    private final ExecutorService pageReader;
    private final FanOut fanOut;
    private final Duration heartbeat;
    private final RolloutMetrics metrics;
    private final SlotLease slots;
    private final ScheduledExecutorService leaseScheduler;
    private final Duration renewEvery;
    private final Map<String, AtomicBoolean> runningHere = new ConcurrentHashMap<>();
    private final WavePlanRule plans;
    private final WaveWatch watch;
    private final DeviceLedger ledger;
    private final HarmAlert alerts;

    RolloutService(RolloutStore store, SlotLease slots, ObjectDigest digests, ThingSource things, ShadowWriter writer,
            S3Presigner presigner, RolloutConfig config, ObjectMapper json, RolloutMetrics metrics, DeviceLedger ledger,
            WaveWatch watch, HarmAlert alerts) {
        this.ledger = ledger;
        this.watch = watch;
        this.alerts = alerts;
        this.plans = new WavePlanRule(config.waves());
        this.store = store;
        this.slots = slots;
        this.metrics = metrics;
        this.digests = digests;
        this.things = things;
        this.writer = writer;
        this.presigner = presigner;
        this.config = config;
        this.targets = new TargetRule(config.target());
        this.payloads = new ShadowPayload(json, config.payload());
        this.heartbeat = config.lease().dividedBy(3);
        this.renewEvery = SlotLease.renewEvery(config.lease());
        this.leaseScheduler = Executors.newScheduledThreadPool(2, DaemonThreads.named("rollout-lease"));
        this.pageReader = Executors.newCachedThreadPool(DaemonThreads.named("rollout-pages"));
        this.fanOut = new FanOut(pageReader, writer::inFlightLimit,
                new AbortPolicy(config.abort().failurePercent(), config.abort().minAttempts()), heartbeat,
                CHECKPOINT_EVERY);
    }

    @PreDestroy
    void stop() {
        pageReader.shutdownNow();
        leaseScheduler.shutdownNow();
    }

    /**
     * Runs, resumes or recognises as done the rollout of this upload, and returns its record.
     *
     * @throws RolloutBusyException    when another worker runs it now (the message must stay on the queue)
     * @throws RolloutStoppedException when this worker lost it before it ended (the message must stay too)
     */
    public RolloutRecord run(Upload upload) throws InterruptedException {
        String owner = UUID.randomUUID().toString();
        return run(upload.object(), upload.order(), upload.plan(), store.claim(upload, owner), owner);
    }

    /**
     * Continues a rollout that {@code POST /rollouts/{id}/resume} set running again, from its checkpoint.
     *
     * @throws RolloutBusyException when another worker runs it now (the message must stay on the queue)
     */
    public RolloutRecord resume(String id) throws InterruptedException {
        String owner = UUID.randomUUID().toString();
        RolloutStore.Claim claim = store.claimResumed(id, owner);
        RolloutRecord record = claim.record();
        ObjectRef object = new ObjectRef(record.bucket(), record.key(), record.versionId(), record.eTag());
        return run(object, record.order(), Map.of(), claim, owner);
    }

    private RolloutRecord run(ObjectRef object, UploadOrder order, Map<String, String> requestedPlan,
            RolloutStore.Claim claim, String owner) throws InterruptedException {
        RolloutRecord record = claim.record();
        if (claim instanceof RolloutStore.Claim.Busy) {
            throw new RolloutBusyException(record.id(), object.url());
        }
        if (record.dueAlert() != null) {
            // its pause was not announced: the worker that paused it stopped, or SNS refused, before the publish
            publishDueAlert(record);
        }
        if (claim instanceof RolloutStore.Claim.Finished) {
            LOG.infof("Rollout %s of %s is %s: nothing to do", record.id(), object.url(), record.status());
            return record;
        }
        AtomicBoolean cancelled = new AtomicBoolean();
        runningHere.put(record.id(), cancelled);
        long started = System.nanoTime();
        try (LeaseKeeper keeper = new LeaseKeeper(record.id(), owner, store, slots, leaseScheduler, renewEvery)) {
            boolean resumed = claim instanceof RolloutStore.Claim.Resumed;
            Run run = new Run(record.id(), owner, object, order, cancelled, keeper, !resumed);
            RolloutRecord ended = run.execute(record, requestedPlan, resumed);
            while (ended.status() == RolloutStatus.RUNNING && keeper.renewNow() == RolloutStore.Ownership.OWNED) {
                // resumed while this worker let go after a pause, and still its own: the resume's message would
                // wait for this worker's lease, then for its visibility timeout
                LOG.infof("Rollout %s of %s was resumed while this worker stopped for its pause; it goes on here from "
                        + "its last checkpoint", record.id(), object.url());
                AtomicBoolean stopped = new AtomicBoolean();
                runningHere.put(record.id(), stopped);
                ended = new Run(record.id(), owner, object, order, stopped, keeper, false)
                        .execute(store.get(record.id()).orElseThrow(), Map.of(), true);
            }
            return ended(ended, started);
        } catch (RolloutFailedException e) {
            LOG.errorf("Rollout %s of %s FAILED: %s", record.id(), object.url(), e.getMessage());
            return ended(store.finish(record.id(), owner, RolloutStatus.FAILED, e.getMessage(), record.counts(),
                    record.failedThings()), started);
        } catch (RolloutStoppedException e) {
            RolloutRecord current = store.get(record.id()).orElse(record);
            if (!current.status().isActive()) {
                LOG.infof("Rollout %s of %s stopped on this worker (%s); it is %s", record.id(), object.url(),
                        e.getMessage(), current.status());
                return current;
            }
            LOG.infof("Rollout %s of %s stopped on this worker: %s; its message stays on the queue", record.id(),
                    object.url(), e.getMessage());
            throw e;
        } catch (InterruptedException e) {
            // shutting down: the message goes back to the queue; let the next worker resume without waiting for the lease
            store.release(record.id(), owner);
            LOG.infof("Rollout %s of %s interrupted; lease released, it resumes from its last checkpoint", record.id(),
                    object.url());
            throw e;
        } finally {
            runningHere.remove(record.id());
        }
    }

    /**
     * Writes again to the things a PARTIAL or ABORTED rollout failed, while it is still the newest upload
     * of its slot. Counts move from {@code failed} to {@code updated}/{@code skipped}; the rollout ends
     * SUCCEEDED when no failure is left of a PARTIAL one, otherwise keeps its status.
     */
    public RolloutRecord retry(S3Notification.Retry request) throws InterruptedException {
        String id = request.rolloutId();
        String retryId = request.retryId();
        String owner = UUID.randomUUID().toString();
        RolloutStore.Claim claim = store.claimRetry(id, retryId, owner);
        RolloutRecord record = claim.record();
        if (claim instanceof RolloutStore.Claim.Finished) {
            LOG.infof("Retry %s of rollout %s: the rollout is %s, nothing to do", retryId, id, record.status());
            return record;
        }
        if (claim instanceof RolloutStore.Claim.Busy) {
            throw new RolloutBusyException(id, record.url());
        }
        RolloutStatus before = request.from();
        String shadowName = config.shadowName().orElse(null);
        try (LeaseKeeper keeper = new LeaseKeeper(id, owner, store, slots, leaseScheduler, renewEvery)) {
            SlotLease.Entry entry = slots.enter(SlotLease.slotOf(shadowName), record.order(), owner, record.target(),
                    keeper::checkOwned);
            if (entry instanceof SlotLease.Entry.Superseded superseded) {
                LOG.infof("Retry %s of rollout %s: a newer upload (rollout %s) holds the slot; SUPERSEDED", retryId, id,
                        superseded.by());
                return store.supersede(id, owner, superseded.by(), record.counts(), record.failedThings());
            }
            SlotLease.Writer slot = ((SlotLease.Entry.Writing) entry).writer();
            keeper.writing(slot);
            boolean drained = false;
            try {
                SdkBytes payload = documentOf(record);
                // each in the wave it belongs to, as its rollout's own pass recorded it
                record.failedThings().stream().collect(Collectors.groupingBy(thing -> record.plan().waveOf(id, thing)))
                        .forEach((wave, failed) -> ledger.willWriteCounted(id, wave, failed));
                Tally tally = new Tally(record.counts());
                List<String> stillFailing = new ArrayList<>();
                for (String thing : record.failedThings()) {
                    if (keeper.supersededBy() != null) {
                        stillFailing.add(thing);
                        continue;
                    }
                    WriteResult result = writer.write(thing, shadowName, payload, slot.fence());
                    tally.retried(result);
                    forgetUnless(result, null, id, thing);
                    if (result.outcome() == WriteResult.Outcome.FAILED) {
                        stillFailing.add(thing);
                    }
                }
                drained = true;
                RolloutCounts counts = tally.counts();
                if (keeper.supersededBy() != null) {
                    return store.supersede(id, owner, keeper.supersededBy(), counts, stillFailing);
                }
                RolloutStatus status = counts.failed() == 0 && before == RolloutStatus.PARTIAL ? RolloutStatus.SUCCEEDED
                        : before;
                String reason = status == RolloutStatus.PARTIAL ? counts.failed() + " things failed" : null;
                RolloutRecord finished = store.finish(id, owner, status, reason, counts, stillFailing);
                LOG.infof("Retry %s of rollout %s of %s ended %s: %d of %d failed things written again, %d still failing",
                        retryId, id, record.url(), finished.status(), record.failedThings().size() - stillFailing.size(),
                        record.failedThings().size(), stillFailing.size());
                return finished;
            } finally {
                slots.release(slot, drained);
            }
        } catch (RolloutStoppedException e) {
            LOG.infof("Retry %s of rollout %s stopped on this worker: %s; its message stays on the queue", retryId, id,
                    e.getMessage());
            throw e;
        }
    }

    /** The shadow document of a rollout whose object was read, as its own pass wrote it (with a fresh presigned URL). */
    public SdkBytes documentOf(RolloutRecord record) {
        ObjectDigest.Digest digest = new ObjectDigest.Digest(record.hash(), record.size(), record.versionId(),
                record.eTag(), Map.of());
        ObjectRef exact = new ObjectRef(record.bucket(), record.key(), record.versionId(), record.eTag());
        return SdkBytes.fromByteArray(payloads.build(exact, digest, presign(exact)));
    }

    private RolloutRecord ended(RolloutRecord record, long startedNanos) {
        metrics.ended(record.status(), Duration.ofNanos(System.nanoTime() - startedNanos));
        return record;
    }

    /**
     * Asks a rollout running in this process to stop now (it was cancelled or paused) instead of at its
     * next heartbeat; its record says which.
     */
    public void stopHere(String id) {
        AtomicBoolean flag = runningHere.get(id);
        if (flag != null) {
            flag.set(true);
        }
    }

    /**
     * One worker's run of one rollout: reads the object (or takes what a resumed record saved), then
     * writes wave after wave (one wave without a plan), each under the shadow slot, and between two waves
     * watches the written one until its gate decides (docs/rollout.md, "Staged waves").
     */
    private final class Run {

        private final String id;
        private final String owner;
        private final ObjectRef object;
        private final UploadOrder order;
        private final AtomicBoolean cancelled;
        private final LeaseKeeper keeper;
        /** This worker created the rollout's record: no pass of it ran before ({@link RecordedBefore}). */
        private final boolean firstClaim;
        private final String shadowName = config.shadowName().orElse(null);
        private final String slot = SlotLease.slotOf(shadowName);

        Run(String id, String owner, ObjectRef object, UploadOrder order, AtomicBoolean cancelled, LeaseKeeper keeper,
                boolean firstClaim) {
            this.id = id;
            this.firstClaim = firstClaim;
            this.owner = owner;
            this.object = object;
            this.order = order;
            this.cancelled = cancelled;
            this.keeper = keeper;
        }

        RolloutRecord execute(RolloutRecord record, Map<String, String> requestedPlan, boolean resumed)
                throws InterruptedException {
            if (record.stage() == WaveStage.WRITTEN) {
                // every page was written before the interruption; only the final status is missing
                return finish(id, owner, object, new FanOut.Result(FanOut.Ending.COMPLETED, null, record.counts(),
                        record.failedThings()), System.nanoTime());
            }
            ObjectDigest.Digest digest;
            Targeting targeting;
            WavePlan plan;
            if (record.hash() == null) {
                digest = digests.digest(object);
                targeting = targets.resolve(object.key(), digest.metadata());
                plan = planOf(digest, targeting, requestedPlan);
                store.saveDigest(id, owner, digest, targeting, plan);
            } else {
                // an object version never changes: a resumed rollout keeps the hash, targets and waves it started with
                digest = new ObjectDigest.Digest(record.hash(), record.size(), record.versionId(), record.eTag(), Map.of());
                targeting = record.targeting();
                plan = record.plan();
            }
            ObjectRef exact = new ObjectRef(object.bucket(), object.key(), digest.versionId(), digest.eTag());
            SdkBytes payload = SdkBytes.fromByteArray(payloads.build(exact, digest, presign(exact)));
            LOG.infof("Rollout %s of %s (sha256 %s) %s: %s, %s, at most %.0f updates/s%s", id, object.url(),
                    digest.sha256(), resumed ? "resumed after page " + record.pages() + " in wave " + (record.wave() + 1)
                            : "started", targeting.describe(), plan.describe(), config.maxRate(),
                    shadowName == null ? "" : ", shadow " + shadowName);
            if (plan.isSingle()) {
                return waves(record, plan, targeting, payload);
            }
            store.watch(id);
            RolloutRecord ended = waves(record, plan, targeting, payload);
            store.unwatch(id);
            return ended;
        }

        private WavePlan planOf(ObjectDigest.Digest digest, Targeting targeting, Map<String, String> requestedPlan) {
            Optional<WavePlan.Spec> spec = plans.resolve(object.key(), digest.metadata(), requestedPlan);
            if (spec.isEmpty()) {
                return WavePlan.SINGLE;
            }
            return spec.get().resolve(spec.get().needsTargetCount() ? countTargets(targeting) : 0);
        }

        /** A plan that names numbers of things needs the number of targets: one listing pass, names not kept. */
        private long countTargets(Targeting targeting) {
            long count = 0;
            String token = null;
            do {
                keeper.checkOwned();
                ThingPage page = things.page(targeting, token);
                count += page.things().size();
                token = page.nextToken();
            } while (token != null);
            LOG.infof("Rollout %s: %d targets counted for its wave plan", id, count);
            return count;
        }

        /** Writes the waves from where the record stands, watching each but the last, until the rollout ends or pauses. */
        private RolloutRecord waves(RolloutRecord record, WavePlan plan, Targeting targeting, SdkBytes payload)
                throws InterruptedException {
            int wave = record.wave();
            WaveStage stage = record.stage();
            Instant writtenAt = record.waveWrittenAt();
            FanOut.Checkpoint start = record.pages() > 0
                    ? new FanOut.Checkpoint(record.checkpoint(), record.pages(), record.counts(), record.failedThings())
                    : FanOut.Checkpoint.START;
            while (true) {
                if (stage == WaveStage.WATCHING) {
                    WaveWatch.Outcome outcome = watch.await(id, plan, wave, writtenAt != null ? writtenAt : Instant.now(),
                            slot, keeper, cancelled);
                    if (!(outcome instanceof WaveWatch.Outcome.Decided decided
                            && decided.verdict() instanceof WaveGate.Verdict.Next)) {
                        return endWatch(outcome);
                    }
                    wave++;
                    follow(store.startWave(id, owner, wave));
                    RolloutRecord now = store.get(id).orElseThrow();
                    start = new FanOut.Checkpoint(null, now.pages(), now.counts(), now.failedThings());
                    LOG.infof("Rollout %s: wave %d of %d starts", id, wave + 1, plan.waveCount());
                }
                Optional<RolloutRecord> ended = writeWave(plan, wave, targeting, payload, start);
                if (ended.isPresent()) {
                    return ended.get();
                }
                stage = WaveStage.WATCHING;
                writtenAt = Instant.now();
            }
        }

        /**
         * Writes one wave under the shadow slot, from {@code start}. Returns the record when the rollout
         * ended or paused (or this was its last wave); empty when the wave is written and is to be watched.
         */
        private Optional<RolloutRecord> writeWave(WavePlan plan, int wave, Targeting targeting, SdkBytes payload, FanOut.Checkpoint start)
                throws InterruptedException {
            SlotLease.Entry entry = slots.enter(slot, order, owner, targeting.describe(), () -> {
                keeper.checkOwned();
                RolloutStore.Ownership ownership = keeper.ownership();
                if (cancelled.get() || ownership == RolloutStore.Ownership.CANCELLED
                        || ownership == RolloutStore.Ownership.PAUSED) {
                    throw new RolloutStoppedException("cancelled or paused while waiting for the shadow slot");
                }
            });
            if (entry instanceof SlotLease.Entry.Superseded superseded) {
                LOG.infof("Rollout %s of %s is older than the upload of rollout %s, which already entered the slot: "
                        + "SUPERSEDED before wave %d", id, object.url(), superseded.by(), wave + 1);
                return Optional.of(store.supersede(id, owner, superseded.by(), start.counts(), start.failedThings()));
            }
            SlotLease.Writer writing = ((SlotLease.Entry.Writing) entry).writer();
            keeper.writing(writing);
            boolean drained = false;
            FanOut.Result result;
            RolloutRecord paused;
            long started = System.nanoTime();
            try (TargetPages pages = pagesOfWave(plan, wave, targeting, start, writing.fence())) {
                result = fanOut.run(pages.start(), pages,
                        thing -> writer.writeAsync(thing, shadowName, payload, writing.fence())
                                .whenComplete((written, error) -> forgetUnless(written, error, id, thing)),
                        new Progress(id, owner, cancelled, keeper, plan, wave));
                drained = true;
                // a pause stops the fan-out as a cancel does; the record tells them apart. Read at once: a
                // resume may follow the pause while the things below are taken back, and is no cancel
                paused = result.ending() == FanOut.Ending.CANCELLED ? store.get(id)
                        .filter(record -> record.status() != RolloutStatus.CANCELLED).orElse(null) : null;
                if (result.ending() != FanOut.Ending.COMPLETED) {
                    // while this worker still holds the slot: a resume (which enters it first) records them afresh
                    forgetUnwritten(id, result.unwritten());
                }
            } finally {
                slots.release(writing, drained);
                keeper.doneWriting();
            }
            if (paused != null) {
                LOG.infof("Rollout %s of %s stopped by a pause in wave %d (%s), now %s; it resumes from its last "
                        + "checkpoint", id, object.url(), wave + 1, paused.reason(), paused.status());
                return Optional.of(paused);
            }
            if (result.ending() != FanOut.Ending.COMPLETED || plan.isLast(wave)) {
                return Optional.of(finish(id, owner, object, result, started));
            }
            return Optional.empty();
        }

        /**
         * The wave's targets page by page, from {@code start}. A one-wave rollout reads them from the target
         * snapshot where one is kept (docs/rollout.md, "Target snapshots"), which may start it over; a staged
         * rollout lists every wave afresh, so that a resume always continues its wave from the checkpoint with
         * the counts of the waves before it. Each page is recorded in the ledger before its writes, looking up
         * only the things that may have been recorded already ({@link RecordedBefore}); called holding the
         * slot, whose fence is given, so that no join records meanwhile.
         */
        private TargetPages pagesOfWave(WavePlan plan, int wave, Targeting targeting, FanOut.Checkpoint start,
                SlotLease.Fence fence) {
            RecordedBefore recordedBefore = firstClaim && !store.joinRecorded(id) ? RecordedBefore.onlyInThisPass(fence)
                    : RecordedBefore.ANY;
            TargetPages source = plan.isSingle() ? things.rolloutPages(targeting, start)
                    : things.listedPages(targeting, start);
            return new TargetPages() {
                @Override
                public FanOut.Checkpoint start() {
                    return source.start();
                }

                @Override
                public ThingPage fetch(String token) {
                    return membersOf(plan, wave, source.fetch(token));
                }

                @Override
                public CompletionStage<Void> prepare(ThingPage members) {
                    return members.things().isEmpty() ? CompletableFuture.completedFuture(null)
                            : ledger.willWrite(id, wave, members.things(), recordedBefore.among(members.things()));
                }

                @Override
                public boolean resumableFrom(String token) {
                    return source.resumableFrom(token);
                }

                @Override
                public void close() {
                    source.close();
                }
            };
        }

        /** The things of one page that belong to the wave; {@code prepare} records them in the ledger before their writes. */
        private ThingPage membersOf(WavePlan plan, int wave, ThingPage page) {
            if (plan.isSingle()) {
                return page;
            }
            return new ThingPage(page.things().stream().filter(thing -> plan.waveOf(id, thing) == wave).toList(),
                    page.nextToken());
        }

        /** The watch of a wave ended other than with the next wave. */
        private RolloutRecord endWatch(WaveWatch.Outcome outcome) {
            RolloutRecord now = store.get(id).orElseThrow();
            if (now.status() == RolloutStatus.PAUSED) {
                LOG.infof("Rollout %s of %s PAUSED while watching wave %d (%s)", id, object.url(), now.wave() + 1,
                        now.reason());
                return now;
            }
            if (outcome instanceof WaveWatch.Outcome.Superseded superseded) {
                LOG.infof("Rollout %s of %s ended SUPERSEDED by rollout %s between waves", id, object.url(),
                        superseded.by());
                return store.supersede(id, owner, superseded.by(), now.counts(), now.failedThings());
            }
            if (outcome instanceof WaveWatch.Outcome.Stopped) {
                return finish(id, owner, object, new FanOut.Result(FanOut.Ending.CANCELLED, null, now.counts(),
                        now.failedThings()), System.nanoTime());
            }
            WaveGate.Verdict verdict = ((WaveWatch.Outcome.Decided) outcome).verdict();
            if (verdict instanceof WaveGate.Verdict.Abort abort) {
                return finish(id, owner, object, new FanOut.Result(FanOut.Ending.ABORTED, abort.reason(), now.counts(),
                        now.failedThings()), System.nanoTime());
            }
            return pause((WaveGate.Verdict.Pause) verdict, now.wave());
        }

        private RolloutRecord pause(WaveGate.Verdict.Pause pause, int wave) {
            Optional<RolloutRecord> paused = store.pause(id, owner, pause.reason(),
                    pause.harm() ? OptionalInt.of(wave) : OptionalInt.empty());
            if (paused.isEmpty()) {
                // cancelled, paused by request or taken over meanwhile: whoever changed it decided first
                return store.get(id).orElseThrow();
            }
            LOG.warnf("Rollout %s of %s PAUSED: %s", id, object.url(), pause.reason());
            if (paused.get().dueAlert() != null) {
                // a failure here leaves the message on the queue; whoever takes it next publishes the alert
                publishDueAlert(paused.get());
            }
            return paused.get();
        }

        private void follow(RolloutStore.Ownership ownership) {
            if (ownership != RolloutStore.Ownership.OWNED) {
                throw new RolloutStoppedException("it is no longer this worker's running rollout (" + ownership + ")");
            }
        }
    }

    /**
     * Tells the ledger about the things of pages recorded ahead that a stop (a pause too) left unwritten, a
     * few at a time side by side, so that the rollout's {@code written} is what it wrote; a resume records
     * them again. Best effort: a thing left recorded times out like a silent device.
     */
    private void forgetUnwritten(String id, List<String> unwritten) throws InterruptedException {
        if (unwritten.isEmpty()) {
            return;
        }
        int lanes = Math.min(FORGET_LANES, unwritten.size());
        List<Future<?>> running = new ArrayList<>(lanes);
        for (int lane = 0; lane < lanes; lane++) {
            int first = lane;
            running.add(pageReader.submit(() -> {
                for (int i = first; i < unwritten.size(); i += lanes) {
                    ledger.notWritten(id, unwritten.get(i));
                }
                return null;
            }));
        }
        for (Future<?> lane : running) {
            try {
                lane.get();
            } catch (ExecutionException e) {
                LOG.warnf("Rollout %s: could not tell the ledger that some of %d things were not written (%s); they "
                        + "will time out", id, unwritten.size(), e.getCause().toString());
            }
        }
        LOG.infof("Rollout %s: %d things recorded ahead were not written; the ledger no longer awaits them", id,
                unwritten.size());
    }

    /** Publishes the harm alert a pause left due on the record, then takes it off (a stop in between publishes it again). */
    private void publishDueAlert(RolloutRecord record) {
        String messageId = alerts.publish(record, record.dueAlert());
        store.alertPublished(record.id(), record.dueAlert());
        LOG.infof("Rollout %s: harm alert of wave %d published (SNS message %s)", record.id(), record.dueAlert().wave() + 1,
                messageId);
    }

    /** A thing whose write did not update its shadow awaits no report; told to the ledger off the completing thread. */
    private void forgetUnless(WriteResult written, Throwable error, String id, String thing) {
        if (error != null || written.outcome() != WriteResult.Outcome.UPDATED) {
            try {
                pageReader.execute(() -> {
                    try {
                        ledger.notWritten(id, thing);
                    } catch (RuntimeException e) {
                        LOG.warnf("Rollout %s: could not tell the ledger that %s was not written (%s); it will time out",
                                id, thing, e.toString());
                    }
                });
            } catch (RejectedExecutionException shuttingDown) {
                LOG.debugf("Rollout %s: shutting down; %s stays recorded as written", id, thing);
            }
        }
    }

    private RolloutRecord finish(String id, String owner, ObjectRef object, FanOut.Result result, long started) {
        RolloutCounts counts = result.counts();
        if (result.ending() == FanOut.Ending.SUPERSEDED) {
            RolloutRecord superseded = store.supersede(id, owner, result.reason(), counts, result.failedThings());
            LOG.infof("Rollout %s of %s ended SUPERSEDED by rollout %s after %d updated, %d skipped, %d failed", id,
                    object.url(), result.reason(), counts.updated(), counts.skipped(), counts.failed());
            return superseded;
        }
        RolloutStatus status = switch (result.ending()) {
            case COMPLETED -> counts.failed() == 0 ? RolloutStatus.SUCCEEDED : RolloutStatus.PARTIAL;
            case ABORTED -> RolloutStatus.ABORTED;
            case CANCELLED, SUPERSEDED -> RolloutStatus.CANCELLED;
        };
        String reason = result.reason() != null ? result.reason()
                : status == RolloutStatus.PARTIAL ? counts.failed() + " things failed" : null;
        RolloutRecord finished = store.finish(id, owner, status, reason, counts, result.failedThings());
        double seconds = Math.max(1e-3, (System.nanoTime() - started) / 1e9);
        LOG.infof("Rollout %s of %s ended %s%s: %d targets, %d updated, %d skipped, %d failed, %d throttled retries "
                + "in %.1f s (%.0f updates/s; %s)", id, object.url(), finished.status(),
                reason == null ? "" : " (" + reason + ")", counts.targets(), counts.updated(), counts.skipped(),
                counts.failed(), counts.throttledRetries(), seconds, counts.updated() / seconds, writer.pacing());
        return finished;
    }

    private String presign(ObjectRef object) {
        if (!config.payload().presign()) {
            return null;
        }
        return presigner.presignGetObject(p -> p.signatureDuration(config.payload().presignExpiry())
                .getObjectRequest(g -> g.bucket(object.bucket()).key(object.key()).versionId(object.versionId())))
                .url().toString();
    }

    /**
     * Saves the checkpoints of one wave; turns what the lease keeper found (cancelled, paused, superseded,
     * lost) into a local stop.
     */
    private final class Progress implements FanOut.Progress {

        private final String id;
        private final String owner;
        private final AtomicBoolean cancelled;
        private final LeaseKeeper keeper;
        private final WavePlan plan;
        private final int wave;

        Progress(String id, String owner, AtomicBoolean cancelled, LeaseKeeper keeper, WavePlan plan, int wave) {
            this.id = id;
            this.owner = owner;
            this.cancelled = cancelled;
            this.keeper = keeper;
            this.plan = plan;
            this.wave = wave;
        }

        @Override
        public void pageDone(FanOut.Checkpoint checkpoint) {
            WaveStage next = checkpoint.token() != null ? WaveStage.WRITING
                    : plan.isLast(wave) ? WaveStage.WRITTEN : WaveStage.WATCHING;
            follow(store.checkpoint(id, owner, checkpoint, next));
            LOG.debugf("Rollout %s: page %d done, %d of %d targets updated", id, checkpoint.pages(),
                    checkpoint.counts().updated(), checkpoint.counts().targets());
        }

        @Override
        public void heartbeat() {
            keeper.checkOwned();
            follow(keeper.ownership());
        }

        @Override
        public boolean cancelled() {
            return cancelled.get();
        }

        @Override
        public String supersededBy() {
            return keeper.supersededBy();
        }

        @Override
        public void ended(FanOut.Waits waits) {
            LOG.infof("Rollout %s, wave %d of %d: %s", id, wave + 1, plan.waveCount(), waits);
        }

        private void follow(RolloutStore.Ownership ownership) {
            switch (ownership) {
                case OWNED -> {
                }
                case CANCELLED -> {
                    if (!cancelled.getAndSet(true)) {
                        LOG.infof("Rollout %s was cancelled; stopping", id);
                    }
                }
                case PAUSED -> {
                    // it keeps its last checkpoint to resume from
                    if (!cancelled.getAndSet(true)) {
                        LOG.infof("Rollout %s was paused; stopping", id);
                    }
                }
                case LOST -> throw new RolloutStoppedException("its lease was taken over by another worker");
            }
        }
    }
}
