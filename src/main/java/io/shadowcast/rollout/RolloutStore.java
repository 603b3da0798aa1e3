package io.shadowcast.rollout;

import static io.shadowcast.provision.TableProvisioner.EXPIRES_AT;
import static io.shadowcast.provision.TableProvisioner.RECENT_INDEX;
import static io.shadowcast.provision.TableProvisioner.RECENT_PARTITION;
import static io.shadowcast.provision.TableProvisioner.RECENT_SORT;
import static io.shadowcast.provision.TableProvisioner.ROLLOUT_KEY;
import static io.shadowcast.rollout.Attributes.n;
import static io.shadowcast.rollout.Attributes.num;
import static io.shadowcast.rollout.Attributes.s;
import static io.shadowcast.rollout.Attributes.str;

import io.shadowcast.api.PageCursor;
import io.shadowcast.config.RolloutConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * The rollout table: one item per object version, written with conditions so that several replicas
 * never run the same rollout at once.
 *
 * <p>A worker claims a rollout with a lease ({@code owner}, {@code leaseUntil}) that it renews with
 * every checkpoint and heartbeat. Every write of a running rollout is conditional on still owning it;
 * a worker whose lease was taken over, or whose rollout was cancelled, learns it from its next write.
 * All items share one {@code listKey} so the {@code recent} index lists them newest first; rollouts
 * are few (one per uploaded object), far below what one index partition serves.
 */
@ApplicationScoped
public class RolloutStore {

    static final String LIST_KEY = "rollout";

    private static final String STATUS = "status";
    private static final String REASON = "reason";
    private static final String BUCKET = "bucket";
    private static final String KEY = "objectKey";
    private static final String VERSION_ID = "versionId";
    private static final String ETAG = "eTag";
    private static final String SIZE = "size";
    private static final String HASH = "hash";
    private static final String TARGET = "target";
    private static final String TARGET_GROUP = "targetGroup";
    private static final String TARGET_TYPE = "targetType";
    private static final String TARGET_ATTRIBUTE = "targetAttribute";
    private static final String TARGETS = "targets";
    private static final String UPDATED = "updated";
    private static final String SKIPPED = "skipped";
    private static final String FAILED = "failed";
    private static final String THROTTLED_RETRIES = "throttledRetries";
    /** Added to on its own (never part of a checkpoint's SET), so that the rollout's own counts cannot reset it. */
    private static final String JOINED = "joined";
    /** Set before a join first records a thing for the rollout in the device ledger ({@link RecordedBefore}). */
    private static final String JOIN_RECORDED = "joinRecorded";
    private static final String FAILED_THINGS = "failedThings";
    private static final String ENDED_AT = "endedAt";
    private static final String PAGES = "pages";
    private static final String CHECKPOINT = "checkpoint";
    static final String OWNER = "owner";
    private static final String LEASE_UNTIL = "leaseUntil";
    private static final String EVENT_TIME = "eventTime";
    private static final String SEQUENCER = "sequencer";
    private static final String SUPERSEDED_BY = "supersededBy";
    private static final String RETRY_ID = "retryId";
    private static final String PLAN = "plan";
    private static final String WAVE = "wave";
    private static final String STAGE = "waveStage";
    private static final String WAVE_WRITTEN_AT = "waveWrittenAt";
    /** {@code harmed<wave>}: updated things of that wave that disconnected within the harm window, added to by {@link HarmWatch}. */
    private static final String HARMED = "harmed";
    /** The reason of a harm pause whose alert is not yet published, and the wave it is about. */
    private static final String ALERT_DUE = "alertDue";
    private static final String ALERT_WAVE = "alertWave";
    /** The item that lists the staged rollouts to watch for harm, so that no replica has to scan for them. */
    static final String WATCHED_ID = "watched:waves";
    private static final String WATCHED = "rollouts";
    /** Marks one thing counted as harmed by one rollout ({@code harm:<rollout>:<thing>}), so it is counted once. */
    static final String HARM_PREFIX = "harm:";
    /**
     * A harm marker only has to outlive its wave's watch (a disconnect counts within {@code harm.window} of
     * the write); then the table's TTL deletes it. Rollout records carry no expiry and stay.
     */
    static final Duration HARM_MARKER_RETENTION = Duration.ofDays(30);
    /** Tries of an owned update whose condition failed while the rollout is running and still ours. */
    private static final int OWNED_UPDATE_ATTEMPTS = 3;

    /** The outcome of trying to take a rollout on. */
    public sealed interface Claim {

        RolloutRecord record();

        /** New: this worker starts it. */
        record Started(RolloutRecord record) implements Claim {
        }

        /** Interrupted earlier (its lease ran out): this worker resumes it from the checkpoint. */
        record Resumed(RolloutRecord record) implements Claim {
        }

        /** In a final status, or paused: nothing to do for a worker. */
        record Finished(RolloutRecord record) implements Claim {
        }

        /** Another worker holds a live lease on it. */
        record Busy(RolloutRecord record) implements Claim {
        }
    }

    /** What a renewal found. */
    public enum Ownership {
        OWNED, CANCELLED, PAUSED, LOST
    }

    public record Page(List<RolloutRecord> items, String next) {
    }

    private final DynamoDbClient dynamo;
    private final String table;
    private final long leaseMillis;
    private final Clock clock;

    RolloutStore(DynamoDbClient dynamo, RolloutConfig config) {
        this.dynamo = dynamo;
        this.table = config.table();
        this.leaseMillis = config.lease().toMillis();
        this.clock = Clock.systemUTC();
    }

    public Claim claim(Upload upload, String owner) {
        long now = clock.millis();
        ObjectRef object = upload.object();
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(ROLLOUT_KEY, s(upload.rolloutId()));
        item.put(RECENT_PARTITION, s(LIST_KEY));
        item.put(RECENT_SORT, n(now));
        item.put(STATUS, s(RolloutStatus.RUNNING.name()));
        item.put(BUCKET, s(object.bucket()));
        item.put(KEY, s(object.key()));
        putIfPresent(item, VERSION_ID, object.versionId());
        putIfPresent(item, ETAG, object.eTag());
        item.put(EVENT_TIME, s(upload.eventTime().toString()));
        putIfPresent(item, SEQUENCER, upload.order().sequencer());
        item.put(PAGES, n(0));
        item.putAll(countAttributes(RolloutCounts.ZERO));
        item.put(OWNER, s(owner));
        item.put(LEASE_UNTIL, n(now + leaseMillis));
        try {
            dynamo.putItem(r -> r.tableName(table).item(item).conditionExpression("attribute_not_exists(#id)")
                    .expressionAttributeNames(Map.of("#id", ROLLOUT_KEY)));
            return new Claim.Started(toRecord(item));
        } catch (ConditionalCheckFailedException exists) {
            return claimExisting(upload.rolloutId(), owner, now);
        }
    }

    /**
     * Takes on a rollout that {@code POST /rollouts/{id}/resume} set running again (its lease expired):
     * this worker continues it from its checkpoint.
     */
    public Claim claimResumed(String id, String owner) {
        return claimExisting(id, owner, clock.millis());
    }

    private Claim claimExisting(String id, String owner, long now) {
        RolloutRecord existing = get(id).orElseThrow(() -> new IllegalStateException("rollout " + id + " vanished"));
        if (!existing.status().isActive()) {
            return new Claim.Finished(existing);
        }
        try {
            var updated = dynamo.updateItem(r -> r.tableName(table).key(key(id))
                    .updateExpression("SET #owner = :me, #lease = :until")
                    .conditionExpression("#status = :running AND #lease < :now")
                    .expressionAttributeNames(Map.of("#owner", OWNER, "#lease", LEASE_UNTIL, "#status", STATUS))
                    .expressionAttributeValues(Map.of(":me", s(owner), ":until", n(now + leaseMillis), ":now", n(now),
                            ":running", s(RolloutStatus.RUNNING.name())))
                    .returnValues(ReturnValue.ALL_NEW));
            return new Claim.Resumed(toRecord(updated.attributes()));
        } catch (ConditionalCheckFailedException held) {
            RolloutRecord current = get(id).orElse(existing);
            return current.status().isActive() ? new Claim.Busy(current) : new Claim.Finished(current);
        }
    }

    /**
     * Takes on one retry of a PARTIAL or ABORTED rollout ({@code POST /rollouts/{id}/retry}): the record
     * runs again under this worker's lease. The same retry, redelivered, resumes it once the lease of a
     * dead worker ran out, and is recognised as done once it ended.
     */
    public Claim claimRetry(String id, String retryId, String owner) {
        long now = clock.millis();
        try {
            var updated = dynamo.updateItem(r -> r.tableName(table).key(key(id))
                    .updateExpression("SET #status = :running, #owner = :me, #lease = :until, #retry = :retry REMOVE #endedAt")
                    .conditionExpression("(#status IN (:partial, :aborted) AND (attribute_not_exists(#retry) OR #retry <> :retry))"
                            + " OR (#status = :running AND #retry = :retry AND #lease < :now)")
                    .expressionAttributeNames(Map.of("#status", STATUS, "#owner", OWNER, "#lease", LEASE_UNTIL,
                            "#retry", RETRY_ID, "#endedAt", ENDED_AT))
                    .expressionAttributeValues(Map.of(":running", s(RolloutStatus.RUNNING.name()), ":me", s(owner),
                            ":until", n(now + leaseMillis), ":retry", s(retryId), ":now", n(now),
                            ":partial", s(RolloutStatus.PARTIAL.name()), ":aborted", s(RolloutStatus.ABORTED.name())))
                    .returnValues(ReturnValue.ALL_NEW));
            return new Claim.Started(toRecord(updated.attributes()));
        } catch (ConditionalCheckFailedException notNow) {
            RolloutRecord current = get(id).orElseThrow(() -> new IllegalStateException("rollout " + id + " vanished"));
            return current.status().isFinal() ? new Claim.Finished(current) : new Claim.Busy(current);
        }
    }

    /** Saves what reading the object found for a rollout in one wave. */
    public void saveDigest(String id, String owner, ObjectDigest.Digest digest, Targeting targeting) {
        saveDigest(id, owner, digest, targeting, WavePlan.SINGLE);
    }

    /** Saves what reading the object found: the hash, the targets and the waves a resumed run must reuse. */
    public void saveDigest(String id, String owner, ObjectDigest.Digest digest, Targeting targeting, WavePlan plan) {
        Map<String, AttributeValue> values = new HashMap<>(Map.of(
                ":hash", s(digest.sha256()), ":size", n(digest.size()), ":target", s(targeting.describe())));
        StringBuilder set = new StringBuilder("SET #hash = :hash, #size = :size, #target = :target");
        Map<String, String> names = new HashMap<>(Map.of("#hash", HASH, "#size", SIZE, "#target", TARGET));
        if (!plan.isSingle()) {
            addOptional(set, names, values, PLAN, plan.encode());
        }
        addOptional(set, names, values, VERSION_ID, digest.versionId());
        addOptional(set, names, values, ETAG, digest.eTag());
        if (targeting instanceof Targeting.ThingGroup group) {
            addOptional(set, names, values, TARGET_GROUP, group.name());
        } else {
            Targeting.Fleet fleet = (Targeting.Fleet) targeting;
            addOptional(set, names, values, TARGET_TYPE, fleet.thingType());
            addOptional(set, names, values, TARGET_ATTRIBUTE,
                    fleet.attributeName() == null ? null : fleet.attributeName() + "=" + fleet.attributeValue());
        }
        if (ownedUpdate(id, owner, set.toString(), "", names, values) != Ownership.OWNED) {
            throw new RolloutStoppedException("rollout " + id + " is no longer this worker's");
        }
    }

    /**
     * Saves a page checkpoint and renews the lease. {@code stage} is what the rollout does next: WRITING
     * while pages of the wave are left, WATCHING or WRITTEN with its last page (saved in the same write,
     * so that a resumed worker never writes a finished wave again).
     */
    public Ownership checkpoint(String id, String owner, FanOut.Checkpoint checkpoint, WaveStage stage) {
        Map<String, String> names = new HashMap<>(Map.of("#pages", PAGES, "#failedThings", FAILED_THINGS,
                "#checkpoint", CHECKPOINT, "#stage", STAGE));
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":pages", n(checkpoint.pages()),
                ":failedThings", list(checkpoint.failedThings()), ":stage", s(stage.name())));
        StringBuilder set = new StringBuilder("SET #pages = :pages, #failedThings = :failedThings, #stage = :stage");
        appendCounts(set, names, values, checkpoint.counts());
        if (stage == WaveStage.WATCHING) {
            names.put("#writtenAt", WAVE_WRITTEN_AT);
            values.put(":writtenAt", n(clock.millis()));
            set.append(", #writtenAt = :writtenAt");
        }
        if (checkpoint.token() == null) {
            return ownedUpdate(id, owner, set.toString(), " REMOVE #checkpoint", names, values);
        }
        values.put(":checkpoint", s(checkpoint.token()));
        set.append(", #checkpoint = :checkpoint");
        return ownedUpdate(id, owner, set.toString(), "", names, values);
    }

    /** Moves a running rollout on to writing {@code wave} from its first page (the gate let it through). */
    public Ownership startWave(String id, String owner, int wave) {
        return ownedUpdate(id, owner, "SET #wave = :wave, #stage = :writing", " REMOVE #checkpoint",
                new HashMap<>(Map.of("#wave", WAVE, "#stage", STAGE, "#checkpoint", CHECKPOINT)),
                new HashMap<>(Map.of(":wave", n(wave), ":writing", s(WaveStage.WRITING.name()))));
    }

    /**
     * Pauses a rollout this worker runs (its gate stopped it) and gives up the lease. A pause on harm
     * leaves its alert due in the same write ({@link #alertPublished} takes it off once published), so
     * that a crash or an SNS failure before the publish leaves the alert to whoever handles the
     * rollout's message next. Empty when it is no longer this worker's running rollout: then somebody
     * else decided first, and nothing is announced.
     *
     * @param alertWave the wave whose harm the alert is about; empty for a pause that announces nothing
     */
    public Optional<RolloutRecord> pause(String id, String owner, String reason, OptionalInt alertWave) {
        Map<String, String> names = new HashMap<>(Map.of("#status", STATUS, "#reason", REASON, "#lease", LEASE_UNTIL,
                "#owner", OWNER));
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":paused", s(RolloutStatus.PAUSED.name()),
                ":reason", s(reason), ":me", s(owner), ":running", s(RolloutStatus.RUNNING.name())));
        String set = "SET #status = :paused, #reason = :reason";
        if (alertWave.isPresent()) {
            names.putAll(Map.of("#alert", ALERT_DUE, "#alertWave", ALERT_WAVE));
            values.putAll(Map.of(":alert", s(reason), ":alertWave", n(alertWave.getAsInt())));
            set += ", #alert = :alert, #alertWave = :alertWave";
        }
        try {
            return Optional.of(update(id, set + " REMOVE #lease", "#owner = :me AND #status = :running", names, values));
        } catch (ConditionalCheckFailedException notOurs) {
            return Optional.empty();
        }
    }

    /** Takes a published harm alert off the record; false when it was taken off (published) meanwhile. */
    public boolean alertPublished(String id, RolloutRecord.DueAlert alert) {
        try {
            dynamo.updateItem(r -> r.tableName(table).key(key(id)).updateExpression("REMOVE #alert, #alertWave")
                    .conditionExpression("#alert = :alert AND #alertWave = :alertWave")
                    .expressionAttributeNames(Map.of("#alert", ALERT_DUE, "#alertWave", ALERT_WAVE))
                    .expressionAttributeValues(Map.of(":alert", s(alert.reason()), ":alertWave", n(alert.wave()))));
            return true;
        } catch (ConditionalCheckFailedException gone) {
            return false;
        }
    }

    /** Pauses a running rollout by request; its worker stops at its next check. Empty when it is not running. */
    public Optional<RolloutRecord> pauseByRequest(String id) {
        try {
            return Optional.of(update(id, "SET #status = :paused, #reason = :reason", "#status = :running",
                    Map.of("#status", STATUS, "#reason", REASON),
                    Map.of(":paused", s(RolloutStatus.PAUSED.name()), ":reason", s("paused by request"),
                            ":running", s(RolloutStatus.RUNNING.name()))));
        } catch (ConditionalCheckFailedException notRunning) {
            return Optional.empty();
        }
    }

    /**
     * Sets a paused rollout running again with an expired lease, so that the next worker to see its
     * message takes it on. A rollout paused while it watched a wave goes on with the next wave: resuming
     * is the approval its gate waited for. Empty when it is not paused (or changed meanwhile).
     */
    public Optional<RolloutRecord> resume(String id) {
        RolloutRecord paused = get(id).filter(record -> record.status() == RolloutStatus.PAUSED).orElse(null);
        if (paused == null) {
            return Optional.empty();
        }
        Map<String, String> names = new HashMap<>(Map.of("#status", STATUS, "#reason", REASON, "#lease", LEASE_UNTIL,
                "#stage", STAGE));
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":running", s(RolloutStatus.RUNNING.name()),
                ":paused", s(RolloutStatus.PAUSED.name()), ":expired", n(0), ":stage", s(paused.stage().name())));
        String update = "SET #status = :running, #lease = :expired";
        if (paused.stage() == WaveStage.WATCHING) {
            names.put("#wave", WAVE);
            names.put("#checkpoint", CHECKPOINT);
            values.put(":next", n(paused.wave() + 1));
            values.put(":writing", s(WaveStage.WRITING.name()));
            update += ", #wave = :next, #stage = :writing REMOVE #reason, #checkpoint";
        } else {
            update += " REMOVE #reason";
        }
        String condition = "#status = :paused AND (#stage = :stage OR attribute_not_exists(#stage))";
        try {
            return Optional.of(update(id, update, condition, names, values));
        } catch (ConditionalCheckFailedException changed) {
            return Optional.empty();
        }
    }

    /** The updated things of this wave that disconnected within the harm window, counted once each. */
    public long harmed(String id, int wave) {
        var response = dynamo.getItem(r -> r.tableName(table).key(key(id)).consistentRead(true)
                .projectionExpression("#harmed").expressionAttributeNames(Map.of("#harmed", HARMED + wave)));
        return response.hasItem() ? num(response.item(), HARMED + wave) : 0;
    }

    /**
     * Counts one updated thing of the wave as harmed, once per rollout and thing however often its
     * disconnect is seen (by any replica): a marker item and the count are written in one transaction.
     * False when it was counted before.
     */
    public boolean countHarm(String id, int wave, String thing) {
        long expiresAt = clock.instant().plus(HARM_MARKER_RETENTION).getEpochSecond();
        try {
            dynamo.transactWriteItems(t -> t.transactItems(
                    TransactWriteItem.builder().put(p -> p.tableName(table)
                            .item(Map.of(ROLLOUT_KEY, s(HARM_PREFIX + id + ":" + thing), WAVE, n(wave),
                                    EXPIRES_AT, n(expiresAt)))
                            .conditionExpression("attribute_not_exists(#id)")
                            .expressionAttributeNames(Map.of("#id", ROLLOUT_KEY))).build(),
                    TransactWriteItem.builder().update(u -> u.tableName(table).key(key(id))
                            .updateExpression("ADD #harmed :one").conditionExpression("attribute_exists(#status)")
                            .expressionAttributeNames(Map.of("#harmed", HARMED + wave, "#status", STATUS))
                            .expressionAttributeValues(Map.of(":one", n(1)))).build()));
            return true;
        } catch (TransactionCanceledException counted) {
            return false;
        }
    }

    /** Lists a staged rollout among those watched for harm (idempotent). */
    public void watch(String id) {
        dynamo.updateItem(r -> r.tableName(table).key(key(WATCHED_ID)).updateExpression("ADD #rollouts :id")
                .expressionAttributeNames(Map.of("#rollouts", WATCHED))
                .expressionAttributeValues(Map.of(":id", AttributeValue.fromSs(List.of(id)))));
    }

    /** Takes a rollout off the watched list (idempotent). */
    public void unwatch(String id) {
        dynamo.updateItem(r -> r.tableName(table).key(key(WATCHED_ID)).updateExpression("DELETE #rollouts :id")
                .expressionAttributeNames(Map.of("#rollouts", WATCHED))
                .expressionAttributeValues(Map.of(":id", AttributeValue.fromSs(List.of(id)))));
    }

    /** The staged rollouts listed as watched for harm: one read, whatever the number of rollouts in the table. */
    public List<String> watched() {
        var response = dynamo.getItem(r -> r.tableName(table).key(key(WATCHED_ID)).consistentRead(true));
        return response.hasItem() && response.item().containsKey(WATCHED) ? response.item().get(WATCHED).ss() : List.of();
    }

    /**
     * Gives up this worker's lease of a running rollout at once (on shutdown), so that the redelivered
     * message is resumed by another worker without waiting for the lease to run out.
     */
    public void release(String id, String owner) {
        try {
            update(id, "SET #lease = :expired", "#owner = :me AND #status = :running",
                    new HashMap<>(Map.of("#lease", LEASE_UNTIL, "#owner", OWNER, "#status", STATUS)),
                    new HashMap<>(Map.of(":expired", n(0), ":me", s(owner), ":running", s(RolloutStatus.RUNNING.name()))));
        } catch (ConditionalCheckFailedException notOurs) {
            // taken over, cancelled or finished meanwhile: nothing to give up
        }
    }

    /**
     * Counts shadows written for things that joined the rollout's targets after its own pass. An atomic
     * ADD, without ownership: the writes it counts are made under the shadow slot, not the rollout's lease.
     */
    public void addJoined(String id, long written) {
        dynamo.updateItem(r -> r.tableName(table).key(key(id)).updateExpression("ADD #joined :written")
                .conditionExpression("attribute_exists(#status)")
                .expressionAttributeNames(Map.of("#joined", JOINED, "#status", STATUS))
                .expressionAttributeValues(Map.of(":written", n(written))));
    }

    /**
     * Marks that a join is about to record a thing for the rollout in the device ledger, before it does:
     * a pass of the rollout that enters the shadow slot later looks its things up ({@link RecordedBefore}).
     */
    public void markJoinRecorded(String id) {
        dynamo.updateItem(r -> r.tableName(table).key(key(id)).updateExpression("SET #recorded = :yes")
                .conditionExpression("attribute_exists(#status)")
                .expressionAttributeNames(Map.of("#recorded", JOIN_RECORDED, "#status", STATUS))
                .expressionAttributeValues(Map.of(":yes", AttributeValue.fromBool(true))));
    }

    /** Whether a join marked the rollout with {@link #markJoinRecorded}; a consistent read. */
    public boolean joinRecorded(String id) {
        var item = dynamo.getItem(r -> r.tableName(table).key(key(id)).consistentRead(true)
                .projectionExpression("#recorded").expressionAttributeNames(Map.of("#recorded", JOIN_RECORDED))).item();
        return item != null && item.containsKey(JOIN_RECORDED) && Boolean.TRUE.equals(item.get(JOIN_RECORDED).bool());
    }

    /** Renews the lease of a running rollout. */
    public Ownership heartbeat(String id, String owner) {
        return ownedUpdate(id, owner, "SET #owner = :me", "", new HashMap<>(), new HashMap<>());
    }

    /**
     * Writes the final status and counts. A rollout cancelled meanwhile keeps CANCELLED, with these counts.
     *
     * @throws RolloutStoppedException when another worker took the rollout over
     */
    public RolloutRecord finish(String id, String owner, RolloutStatus status, String reason, RolloutCounts counts,
            List<String> failedThings) {
        return finish(id, owner, status, reason, null, counts, failedThings);
    }

    /** Ends the rollout SUPERSEDED by the rollout {@code by}, with the counts of what it wrote. */
    public RolloutRecord supersede(String id, String owner, String by, RolloutCounts counts, List<String> failedThings) {
        return finish(id, owner, RolloutStatus.SUPERSEDED, "superseded by the newer upload of rollout " + by, by, counts,
                failedThings);
    }

    private RolloutRecord finish(String id, String owner, RolloutStatus status, String reason, String supersededBy,
            RolloutCounts counts, List<String> failedThings) {
        Map<String, String> names = new HashMap<>(Map.of("#endedAt", ENDED_AT, "#failedThings", FAILED_THINGS,
                "#owner", OWNER, "#status", STATUS, "#lease", LEASE_UNTIL));
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":endedAt", n(clock.millis()),
                ":failedThings", list(failedThings), ":me", s(owner), ":running", s(RolloutStatus.RUNNING.name()),
                ":status", s(status.name())));
        StringBuilder set = new StringBuilder("SET #endedAt = :endedAt, #failedThings = :failedThings");
        appendCounts(set, names, values, counts);
        if (reason != null) {
            names.put("#reason", REASON);
            values.put(":reason", s(reason));
            set.append(", #reason = if_not_exists(#reason, :reason)");
        }
        addOptional(set, names, values, SUPERSEDED_BY, supersededBy);
        String clearReason = reason == null && status == RolloutStatus.SUCCEEDED ? ", #reason" : "";
        if (!clearReason.isEmpty()) {
            names.put("#reason", REASON);
        }
        try {
            return update(id, set + ", #status = :status REMOVE #lease" + clearReason,
                    "#owner = :me AND #status = :running", names, values);
        } catch (ConditionalCheckFailedException notRunning) {
            values.remove(":status");
            values.remove(":running");
            values.put(":cancelled", s(RolloutStatus.CANCELLED.name()));
            try {
                names.remove("#reason", REASON);
                if (reason != null) {
                    names.put("#reason", REASON);
                }
                return update(id, set + " REMOVE #lease", "#owner = :me AND #status = :cancelled", names, values);
            } catch (ConditionalCheckFailedException lost) {
                throw new RolloutStoppedException("rollout " + id + " was taken over by another worker");
            }
        }
    }

    /**
     * Cancels a running or paused rollout; the worker of a running one stops at its next check. Empty when
     * no such rollout is running or paused.
     */
    public Optional<RolloutRecord> cancel(String id) {
        try {
            return Optional.of(update(id, "SET #status = :cancelled, #reason = :reason, #endedAt = :now",
                    "#status IN (:running, :paused)",
                    Map.of("#status", STATUS, "#reason", REASON, "#endedAt", ENDED_AT),
                    Map.of(":cancelled", s(RolloutStatus.CANCELLED.name()), ":reason", s("cancelled by request"),
                            ":now", n(clock.millis()), ":running", s(RolloutStatus.RUNNING.name()),
                            ":paused", s(RolloutStatus.PAUSED.name()))));
        } catch (ConditionalCheckFailedException notRunning) {
            return Optional.empty();
        }
    }

    public Optional<RolloutRecord> get(String id) {
        var response = dynamo.getItem(r -> r.tableName(table).key(key(id)).consistentRead(true));
        // the table also holds the items of the shadow slots (SlotLease), which are no rollouts
        return response.hasItem() && response.item().containsKey(STATUS) ? Optional.of(toRecord(response.item()))
                : Optional.empty();
    }

    /** Newest first; {@code cursor} is the {@code next} of the previous page, or null. */
    public Page list(int limit, String cursor) {
        QueryResponse response = dynamo.query(r -> {
            r.tableName(table).indexName(RECENT_INDEX)
                    .keyConditionExpression("#list = :list")
                    .expressionAttributeNames(Map.of("#list", RECENT_PARTITION))
                    .expressionAttributeValues(Map.of(":list", s(LIST_KEY)))
                    .scanIndexForward(false)
                    .limit(limit);
            if (cursor != null) {
                r.exclusiveStartKey(decodeCursor(cursor));
            }
        });
        String next = response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty()
                ? encodeCursor(response.lastEvaluatedKey())
                : null;
        return new Page(response.items().stream().map(RolloutStore::toRecord).toList(), next);
    }

    /**
     * The uploads of one key (in one bucket, or in any when {@code bucket} is null), newest first. The filter runs on the {@code recent} index, whose pages may
     * hold fewer matches than asked for: reads on until {@code limit} matches or the end.
     */
    public Page listByKey(String bucket, String key, int limit, String cursor) {
        Map<String, String> names = new HashMap<>(Map.of("#list", RECENT_PARTITION, "#key", KEY));
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":list", s(LIST_KEY), ":key", s(key)));
        String filter = "#key = :key";
        if (bucket != null) {
            names.put("#bucket", BUCKET);
            values.put(":bucket", s(bucket));
            filter += " AND #bucket = :bucket";
        }
        String matching = filter;
        List<RolloutRecord> items = new ArrayList<>();
        Map<String, AttributeValue> start = cursor == null ? null : decodeCursor(cursor);
        Map<String, AttributeValue> last = null;
        do {
            Map<String, AttributeValue> from = start;
            QueryResponse response = dynamo.query(r -> {
                r.tableName(table).indexName(RECENT_INDEX)
                        .keyConditionExpression("#list = :list")
                        .expressionAttributeNames(names)
                        .expressionAttributeValues(values)
                        .filterExpression(matching)
                        .scanIndexForward(false)
                        .limit(limit);
                if (from != null) {
                    r.exclusiveStartKey(from);
                }
            });
            for (Map<String, AttributeValue> item : response.items()) {
                if (items.size() < limit) {
                    items.add(toRecord(item));
                    last = item;
                }
            }
            start = response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty() ? response.lastEvaluatedKey() : null;
        } while (items.size() < limit && start != null);
        boolean more = start != null || items.size() == limit;
        return new Page(items, more && last != null ? encodeCursor(last) : null);
    }

    /** Runs {@code set} (a SET clause) and {@code remove} (empty or a REMOVE clause), renewing the lease, if still ours. */
    private Ownership ownedUpdate(String id, String owner, String set, String remove, Map<String, String> names,
            Map<String, AttributeValue> values) {
        names.put("#owner", OWNER);
        names.put("#status", STATUS);
        names.put("#lease", LEASE_UNTIL);
        values.put(":me", s(owner));
        values.put(":running", s(RolloutStatus.RUNNING.name()));
        for (int attempt = 1; ; attempt++) {
            values.put(":until", n(clock.millis() + leaseMillis));
            try {
                update(id, set + ", #lease = :until" + remove, "#owner = :me AND #status = :running", names, values);
                return Ownership.OWNED;
            } catch (ConditionalCheckFailedException e) {
                var item = dynamo.getItem(r -> r.tableName(table).key(key(id)).consistentRead(true)
                        .projectionExpression("#owner, #status").expressionAttributeNames(Map.of("#owner", OWNER,
                                "#status", STATUS))).item();
                String status = item == null || !item.containsKey(STATUS) ? null : item.get(STATUS).s();
                if (RolloutStatus.CANCELLED.name().equals(status)) {
                    return Ownership.CANCELLED;
                }
                if (RolloutStatus.PAUSED.name().equals(status)) {
                    return Ownership.PAUSED;
                }
                // running and still ours: a pause and a resume came between the update and this read
                boolean ours = RolloutStatus.RUNNING.name().equals(status) && item.containsKey(OWNER)
                        && owner.equals(item.get(OWNER).s());
                if (!ours || attempt == OWNED_UPDATE_ATTEMPTS) {
                    return Ownership.LOST;
                }
            }
        }
    }

    private RolloutRecord update(String id, String update, String condition, Map<String, String> names,
            Map<String, AttributeValue> values) {
        var request = UpdateItemRequest.builder().tableName(table).key(key(id))
                .updateExpression(update).conditionExpression(condition)
                .expressionAttributeNames(names).expressionAttributeValues(values)
                .returnValues(ReturnValue.ALL_NEW).build();
        return toRecord(dynamo.updateItem(request).attributes());
    }

    private static void appendCounts(StringBuilder set, Map<String, String> names, Map<String, AttributeValue> values,
            RolloutCounts counts) {
        countAttributes(counts).forEach((name, value) -> {
            names.put("#" + name, name);
            values.put(":" + name, value);
            set.append(", #").append(name).append(" = :").append(name);
        });
    }

    private static Map<String, AttributeValue> countAttributes(RolloutCounts counts) {
        return Map.of(TARGETS, n(counts.targets()), UPDATED, n(counts.updated()), SKIPPED, n(counts.skipped()),
                FAILED, n(counts.failed()), THROTTLED_RETRIES, n(counts.throttledRetries()));
    }

    private static void addOptional(StringBuilder set, Map<String, String> names, Map<String, AttributeValue> values,
            String attribute, String value) {
        if (value != null) {
            names.put("#" + attribute, attribute);
            values.put(":" + attribute, s(value));
            set.append(", #").append(attribute).append(" = :").append(attribute);
        }
    }

    static RolloutRecord toRecord(Map<String, AttributeValue> item) {
        String group = str(item, TARGET_GROUP);
        String hash = str(item, HASH);
        Targeting targeting = hash == null ? null
                : TargetRule.of(group, str(item, TARGET_TYPE), str(item, TARGET_ATTRIBUTE), "saved target");
        List<String> failed = item.containsKey(FAILED_THINGS) ? item.get(FAILED_THINGS).l().stream().map(AttributeValue::s).toList()
                : List.of();
        return new RolloutRecord(
                str(item, ROLLOUT_KEY),
                RolloutStatus.valueOf(str(item, STATUS)),
                str(item, REASON),
                str(item, BUCKET),
                str(item, KEY),
                str(item, VERSION_ID),
                str(item, ETAG),
                item.containsKey(SIZE) ? num(item, SIZE) : null,
                hash,
                str(item, TARGET),
                new RolloutCounts(num(item, TARGETS), num(item, UPDATED), num(item, SKIPPED), num(item, FAILED),
                        num(item, THROTTLED_RETRIES), num(item, JOINED)),
                failed,
                Instant.ofEpochMilli(num(item, RECENT_SORT)),
                item.containsKey(ENDED_AT) ? Instant.ofEpochMilli(num(item, ENDED_AT)) : null,
                (int) num(item, PAGES),
                item.containsKey(EVENT_TIME) ? Instant.parse(str(item, EVENT_TIME)) : null,
                str(item, SEQUENCER),
                str(item, SUPERSEDED_BY),
                targeting,
                str(item, CHECKPOINT),
                hash == null ? null : item.containsKey(PLAN) ? WavePlan.decode(str(item, PLAN)) : WavePlan.SINGLE,
                (int) num(item, WAVE),
                stageOf(item),
                item.containsKey(WAVE_WRITTEN_AT) ? Instant.ofEpochMilli(num(item, WAVE_WRITTEN_AT)) : null,
                item.containsKey(ALERT_DUE) ? new RolloutRecord.DueAlert((int) num(item, ALERT_WAVE), str(item, ALERT_DUE))
                        : null);
    }

    /** Records saved before waves existed have no stage: every page written and no checkpoint left means WRITTEN. */
    private static WaveStage stageOf(Map<String, AttributeValue> item) {
        if (item.containsKey(STAGE)) {
            return WaveStage.valueOf(str(item, STAGE));
        }
        return num(item, PAGES) > 0 && !item.containsKey(CHECKPOINT) ? WaveStage.WRITTEN : WaveStage.WRITING;
    }

    /** The cursor is the index position of the last item shown: its start time and id. */
    private static String encodeCursor(Map<String, AttributeValue> lastKey) {
        return new PageCursor(Long.parseLong(lastKey.get(RECENT_SORT).n()), lastKey.get(ROLLOUT_KEY).s()).encode();
    }

    private static Map<String, AttributeValue> decodeCursor(String cursor) {
        PageCursor position = PageCursor.decode(cursor);
        return Map.of(RECENT_PARTITION, s(LIST_KEY), RECENT_SORT, AttributeValue.fromN(Long.toString(position.number())),
                ROLLOUT_KEY, s(position.name()));
    }

    private static Map<String, AttributeValue> key(String id) {
        return Map.of(ROLLOUT_KEY, s(id));
    }

    private static void putIfPresent(Map<String, AttributeValue> item, String name, String value) {
        if (value != null) {
            item.put(name, s(value));
        }
    }

    private static AttributeValue list(List<String> values) {
        return AttributeValue.fromL(values.stream().map(AttributeValue::fromS).toList());
    }
}
