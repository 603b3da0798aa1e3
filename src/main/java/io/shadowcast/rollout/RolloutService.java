package io.shadowcast.rollout;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.shadowcast.concurrent.DaemonThreads;
import io.shadowcast.config.RolloutConfig;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
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

    private final ExecutorService pageReader;
    private final FanOut fanOut;
    private final Duration heartbeat;
    private final RolloutMetrics metrics;
    private final SlotLease slots;
    private final ScheduledExecutorService leaseScheduler;
    private final Duration renewEvery;
    private final Map<String, AtomicBoolean> runningHere = new ConcurrentHashMap<>();

    RolloutService(RolloutStore store, SlotLease slots, ObjectDigest digests, ThingSource things, ShadowWriter writer,
            S3Presigner presigner, RolloutConfig config, ObjectMapper json, RolloutMetrics metrics) {
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
        ObjectRef object = upload.object();
        RolloutStore.Claim claim = store.claim(upload, owner);
        RolloutRecord record = claim.record();
        if (claim instanceof RolloutStore.Claim.Finished) {
            LOG.infof("Rollout %s of %s already ended %s: nothing to do", record.id(), object.url(), record.status());
            return record;
        }
        if (claim instanceof RolloutStore.Claim.Busy) {
            throw new RolloutBusyException(record.id(), object.url());
        }
        AtomicBoolean cancelled = new AtomicBoolean();
        runningHere.put(record.id(), cancelled);
        long started = System.nanoTime();
        try (LeaseKeeper keeper = new LeaseKeeper(record.id(), owner, store, slots, leaseScheduler, renewEvery)) {
            boolean resumed = claim instanceof RolloutStore.Claim.Resumed;
            return ended(execute(upload, record, owner, resumed, cancelled, keeper), started);
        } catch (RolloutFailedException e) {
            LOG.errorf("Rollout %s of %s FAILED: %s", record.id(), object.url(), e.getMessage());
            return ended(store.finish(record.id(), owner, RolloutStatus.FAILED, e.getMessage(), record.counts(),
                    record.failedThings()), started);
        } catch (RolloutStoppedException e) {
            RolloutRecord current = store.get(record.id()).orElse(record);
            if (current.status().isFinal()) {
                LOG.infof("Rollout %s of %s stopped on this worker (%s); it ended %s", record.id(), object.url(),
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
                Tally tally = new Tally(record.counts());
                List<String> stillFailing = new ArrayList<>();
                for (String thing : record.failedThings()) {
                    if (keeper.supersededBy() != null) {
                        stillFailing.add(thing);
                        continue;
                    }
                    WriteResult result = writer.write(thing, shadowName, payload, slot.fence());
                    tally.retried(result);
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

    /** Asks a rollout running in this process to stop now instead of at its next heartbeat. */
    public void cancelHere(String id) {
        AtomicBoolean flag = runningHere.get(id);
        if (flag != null) {
            flag.set(true);
        }
    }

    private RolloutRecord execute(Upload upload, RolloutRecord record, String owner, boolean resumed,
            AtomicBoolean cancelled, LeaseKeeper keeper) throws InterruptedException {
        String id = record.id();
        ObjectRef object = upload.object();
        if (record.pages() > 0 && record.checkpoint() == null) {
            // every page was written before the interruption; only the final status is missing
            return finish(id, owner, object, new FanOut.Result(FanOut.Ending.COMPLETED, null, record.counts(),
                    record.failedThings()), System.nanoTime());
        }
        ObjectDigest.Digest digest;
        Targeting targeting;
        if (record.hash() == null) {
            digest = digests.digest(object);
            targeting = targets.resolve(object.key(), digest.metadata());
            store.saveDigest(id, owner, digest, targeting);
        } else {
            // an object version never changes: a resumed rollout keeps the hash and targets it started with
            digest = new ObjectDigest.Digest(record.hash(), record.size(), record.versionId(), record.eTag(), Map.of());
            targeting = record.targeting();
        }
        ObjectRef exact = new ObjectRef(object.bucket(), object.key(), digest.versionId(), digest.eTag());
        SdkBytes payload = SdkBytes.fromByteArray(payloads.build(exact, digest, presign(exact)));
        String shadowName = config.shadowName().orElse(null);
        SlotLease.Entry entry = slots.enter(SlotLease.slotOf(shadowName), upload.order(), owner, targeting.describe(),
                () -> {
                    keeper.checkOwned();
                    if (cancelled.get() || keeper.ownership() == RolloutStore.Ownership.CANCELLED) {
                        throw new RolloutStoppedException("cancelled while waiting for the shadow slot");
                    }
                });
        if (entry instanceof SlotLease.Entry.Superseded superseded) {
            LOG.infof("Rollout %s of %s is older than the upload of rollout %s, which already entered the slot: "
                    + "SUPERSEDED without writing", id, object.url(), superseded.by());
            return store.supersede(id, owner, superseded.by(), record.counts(), record.failedThings());
        }
        SlotLease.Writer slot = ((SlotLease.Entry.Writing) entry).writer();
        keeper.writing(slot);
        boolean drained = false;
        try {
            FanOut.Checkpoint start = record.pages() > 0
                    ? new FanOut.Checkpoint(record.checkpoint(), record.pages(), record.counts(), record.failedThings())
                    : FanOut.Checkpoint.START;
            LOG.infof("Rollout %s of %s (sha256 %s) %s: %s, at most %.0f updates/s%s", id, object.url(),
                    digest.sha256(), resumed ? "resumed after page " + record.pages() : "started", targeting.describe(),
                    config.maxRate(), shadowName == null ? "" : ", shadow " + shadowName);
            long started = System.nanoTime();
            FanOut.Result result;
            try (TargetPages pages = things.rolloutPages(targeting, start)) {
                result = fanOut.run(pages.start(), pages,
                        thing -> writer.writeAsync(thing, shadowName, payload, slot.fence()),
                        new Progress(id, owner, cancelled, keeper));
            }
            drained = true;
            return finish(id, owner, object, result, started);
        } finally {
            slots.release(slot, drained);
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

    /** Saves checkpoints; turns what the lease keeper found (cancelled, superseded, lost) into a local stop. */
    private final class Progress implements FanOut.Progress {

        private final String id;
        private final String owner;
        private final AtomicBoolean cancelled;
        private final LeaseKeeper keeper;

        Progress(String id, String owner, AtomicBoolean cancelled, LeaseKeeper keeper) {
            this.id = id;
            this.owner = owner;
            this.cancelled = cancelled;
            this.keeper = keeper;
        }

        @Override
        public void pageDone(FanOut.Checkpoint checkpoint) {
            follow(store.checkpoint(id, owner, checkpoint));
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

        private void follow(RolloutStore.Ownership ownership) {
            switch (ownership) {
                case OWNED -> {
                }
                case CANCELLED -> {
                    if (!cancelled.getAndSet(true)) {
                        LOG.infof("Rollout %s was cancelled; stopping", id);
                    }
                }
                case LOST -> throw new RolloutStoppedException("its lease was taken over by another worker");
            }
        }
    }
}
