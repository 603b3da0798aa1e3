package io.shadowcast.presence;

import static io.shadowcast.provision.TableProvisioner.CHECK_KEY;
import static io.shadowcast.provision.TableProvisioner.DUE_AT;
import static io.shadowcast.provision.TableProvisioner.DUE_INDEX;
import static io.shadowcast.provision.TableProvisioner.DUE_SHARD;
import static io.shadowcast.provision.TableProvisioner.EXPIRES_AT;

import io.shadowcast.config.PresenceConfig;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;

/**
 * The timer table. Per thing it holds one item, keyed by the thing name, in one of two shapes:
 * <ul>
 * <li>a <b>pending check</b>, with {@code shard} and {@code dueAt}, so it is in the sparse {@code due}
 * index that the pollers query; while its alert is published it carries the PUBLISHING state of the
 * {@link AlertProtocol}, and a check given up is kept as FAILED until {@code retention} has passed;</li>
 * <li>a <b>connect mark</b>, without them (so never in the index): the last connect seen, which makes a
 * disconnect event that arrives late but happened before it harmless.</li>
 * </ul>
 * An alert that was published and still waits for its recovery notice is a separate item keyed
 * {@code alerted#<thing>} ({@code #} never occurs in thing names), also outside the index, and so is the
 * {@code #shards} item that remembers the largest shard count any replica used.
 *
 * <p>All times are epoch milliseconds except the TTL attribute {@code expiresAt}, which DynamoDB wants
 * in seconds: lifecycle events carry milliseconds and a shadow-rule disconnect (seconds) must order
 * correctly against a connect a few hundred milliseconds later.
 *
 * <p>Every change is one conditional write, so replicas never need a lock: a newer event wins
 * ({@link EventOrder}), a stale or duplicate one changes nothing, and of two pollers only one claims a check.
 */
@Singleton
public class CheckStore {

    static final String DISCONNECTED_AT = "disconnectedAt";
    static final String CONNECTED_AT = "connectedAt";
    static final String SOURCE = "source";
    static final String REASON = "reason";
    static final String CREATED_AT = "createdAt";
    static final String CLAIMS = "claims";
    static final String ALERTED_AT = "alertedAt";
    static final String ALERT_PREFIX = "alerted#";
    static final String STATUS = "status";
    static final String ALERT_OWNER = "alertOwner";
    static final String ALERT_CLAIM = "alertClaim";
    static final String ALERT_DEADLINE = "alertDeadline";
    static final String ALERT_REASON = "alertReason";

    /**
     * What makes an item a pending check (in the due index, claimed, being alerted on): removed together
     * when the check ends, by a connect or by a finished verification.
     */
    private static final String PENDING_STATE = "#due, #shard, #reason, #claims, #status, #owner, #aclaim, #deadline, #areason";
    private static final Map<String, String> PENDING_STATE_NAMES = Map.of("#due", DUE_AT, "#shard", DUE_SHARD,
            "#reason", REASON, "#claims", CLAIMS, "#status", STATUS, "#owner", ALERT_OWNER, "#aclaim", ALERT_CLAIM,
            "#deadline", ALERT_DEADLINE, "#areason", ALERT_REASON);

    static final String MESSAGE_ID = "messageId";
    /** The bookkeeping item that remembers the largest shard count any replica polled with. */
    static final String SHARDS_KEY = "#shards";
    static final String MAX_SHARDS = "maxShards";

    /** The table, its shard count and the times that shape each item. */
    public record Settings(String table, int shards, Duration grace, Duration lease, Duration retention) {

        public static Settings of(PresenceConfig config) {
            return new Settings(config.table(), config.shards(), config.grace(), config.claimLease(), config.retention());
        }
    }

    public enum ScheduleOutcome {
        /** No check was pending; one is now. */
        SCHEDULED,
        /** An older pending check was replaced. */
        SUPERSEDED,
        /** A newer disconnect is pending, or the thing connected after this disconnect: nothing changed. */
        STALE
    }

    public enum ConnectOutcome {
        /** A pending, older check was removed. */
        CANCELLED,
        /** Nothing was pending; the connect is remembered against late disconnects. */
        RECORDED,
        /** A newer disconnect or connect is already known: nothing changed. */
        STALE
    }

    /** One page of pending checks ordered by due time, and where the next page starts. */
    public record Page(List<PendingCheck> checks, Optional<String> next) {
    }

    private final DynamoDbClient dynamo;
    private final Settings settings;
    private final Clock clock;
    /** Shards to query: this replica's count, or more when a replica with more shards ever wrote checks. */
    private volatile int pollShards;

    @Inject
    CheckStore(DynamoDbClient dynamo, PresenceConfig config, Clock clock) {
        this(dynamo, Settings.of(config), clock);
    }

    public CheckStore(DynamoDbClient dynamo, Settings settings, Clock clock) {
        if (settings.shards() < 1) {
            throw new IllegalArgumentException("shadowcast.presence.shards must be at least 1");
        }
        this.dynamo = dynamo;
        this.settings = settings;
        this.clock = clock;
        this.pollShards = settings.shards();
    }

    /**
     * Makes sure no check is stranded in a shard this replica would not query: records this replica's shard
     * count in the table when it is the largest yet, and polls every shard up to the largest ever recorded.
     * Lowering {@code shards} thus only stops new checks from landing in the dropped shards; the checks
     * already there are still found. Called at the start of every poll (one read).
     */
    public int refreshShards() {
        var item = dynamo.getItem(r -> r.tableName(settings.table()).key(Map.of(CHECK_KEY, s(SHARDS_KEY)))
                .consistentRead(true)).item();
        int recorded = item != null && item.containsKey(MAX_SHARDS) ? (int) num(item, MAX_SHARDS) : 0;
        if (recorded < settings.shards()) {
            try {
                dynamo.updateItem(r -> r.tableName(settings.table()).key(Map.of(CHECK_KEY, s(SHARDS_KEY)))
                        .updateExpression("SET #m = :n")
                        .conditionExpression("attribute_not_exists(#m) OR #m < :n")
                        .expressionAttributeNames(Map.of("#m", MAX_SHARDS))
                        .expressionAttributeValues(Map.of(":n", n(settings.shards()))));
            } catch (ConditionalCheckFailedException e) {
                // another replica recorded a larger count meanwhile: the next refresh reads it
            }
        }
        pollShards = Math.max(recorded, settings.shards());
        return pollShards;
    }

    /** Shard of a thing: stable for its name, so its check always lands in the same index partition. */
    public int shardOf(String thingName) {
        return Math.floorMod(thingName.hashCode(), settings.shards());
    }

    /** A disconnect known only by its time (a shadow-rule event, a hand-made check). */
    public ScheduleOutcome schedule(String thingName, Instant disconnectedAt, CheckSource source, Optional<String> reason) {
        return schedule(thingName, EventOrder.Stamp.at(disconnectedAt), source, reason);
    }

    /**
     * Records a disconnect: a check due {@code grace} after it. Replaces an older pending check of
     * the thing; a newer pending check or a later connect leaves everything as it was ({@link EventOrder}:
     * a connect that ties with the disconnect does not stop it).
     */
    public ScheduleOutcome schedule(String thingName, EventOrder.Stamp stamp, CheckSource source, Optional<String> reason) {
        Instant disconnectedAt = stamp.at();
        Instant dueAt = disconnectedAt.plus(settings.grace());
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(CHECK_KEY, s(thingName));
        item.put(DISCONNECTED_AT, n(disconnectedAt.toEpochMilli()));
        item.put(DUE_AT, n(dueAt.toEpochMilli()));
        item.put(DUE_SHARD, n(shardOf(thingName)));
        item.put(SOURCE, s(source.name()));
        reason.ifPresent(r -> item.put(REASON, s(r)));
        stamp.clientId().ifPresent(c -> item.put(EventOrder.CLIENT_ID, s(c)));
        stamp.version().ifPresent(v -> item.put(EventOrder.VERSION, n(v)));
        item.put(CREATED_AT, n(clock.millis()));
        item.put(CLAIMS, n(0));
        item.put(EXPIRES_AT, n(dueAt.plus(settings.retention()).getEpochSecond()));
        Condition newer = Condition.notExists("#k", CHECK_KEY)
                .or(EventOrder.recordedBefore(DISCONNECTED_AT, stamp, false, "d")
                        .and(EventOrder.recordedBefore(CONNECTED_AT, stamp, true, "c")));
        try {
            var response = dynamo.putItem(r -> r.tableName(settings.table()).item(item)
                    .conditionExpression(newer.expression())
                    .expressionAttributeNames(newer.names())
                    .expressionAttributeValues(newer.values())
                    .returnValues(ReturnValue.ALL_OLD));
            return response.hasAttributes() && response.attributes().containsKey(DUE_AT)
                    ? ScheduleOutcome.SUPERSEDED : ScheduleOutcome.SCHEDULED;
        } catch (ConditionalCheckFailedException e) {
            return ScheduleOutcome.STALE;
        }
    }

    /** A connect known only by its time. */
    public ConnectOutcome connect(String thingName, Instant connectedAt) {
        return connect(thingName, EventOrder.Stamp.at(connectedAt));
    }

    /**
     * Records a connect: removes a pending check whose disconnect happened before it and leaves a
     * connect mark (outside the due index) so that an older disconnect arriving later is ignored. Removing
     * the check also makes an alert that a poller has not yet begun impossible ({@link #beginAlert}).
     */
    public ConnectOutcome connect(String thingName, EventOrder.Stamp stamp) {
        Instant connectedAt = stamp.at();
        Condition newer = EventOrder.recordedBefore(DISCONNECTED_AT, stamp, false, "d")
                .and(EventOrder.recordedBefore(CONNECTED_AT, stamp, false, "c"));
        Map<String, String> names = new HashMap<>(newer.names());
        names.putAll(PENDING_STATE_NAMES);
        names.putAll(Map.of("#conn", CONNECTED_AT, "#e", EXPIRES_AT, "#dis", DISCONNECTED_AT, "#src", SOURCE,
                "#created", CREATED_AT, "#client", EventOrder.CLIENT_ID, "#version", EventOrder.VERSION));
        Map<String, AttributeValue> values = new HashMap<>(newer.values());
        values.put(":at", n(connectedAt.toEpochMilli()));
        values.put(":exp", n(connectedAt.plus(settings.retention()).getEpochSecond()));
        StringBuilder set = new StringBuilder("SET #conn = :at, #e = :exp");
        StringBuilder remove = new StringBuilder(" REMOVE #dis, #src, #created, " + PENDING_STATE);
        if (stamp.versioned()) {
            set.append(", #client = :client, #version = :version");
            values.put(":client", s(stamp.clientId().get()));
            values.put(":version", n(stamp.version().get()));
        } else {
            remove.append(", #client, #version");
        }
        try {
            var response = dynamo.updateItem(r -> r.tableName(settings.table())
                    .key(Map.of(CHECK_KEY, s(thingName)))
                    .updateExpression(set.toString() + remove)
                    .conditionExpression(newer.expression())
                    .expressionAttributeNames(names)
                    .expressionAttributeValues(values)
                    .returnValues(ReturnValue.ALL_OLD));
            return response.hasAttributes() && response.attributes().containsKey(DUE_AT)
                    ? ConnectOutcome.CANCELLED : ConnectOutcome.RECORDED;
        } catch (ConditionalCheckFailedException e) {
            return ConnectOutcome.STALE;
        }
    }

    /** The connect recorded for the thing, if its item is a connect mark. */
    public Optional<Instant> connectedAt(String thingName) {
        var item = dynamo.getItem(r -> r.tableName(settings.table()).key(Map.of(CHECK_KEY, s(thingName)))
                .consistentRead(true)).item();
        return item != null && item.containsKey(CONNECTED_AT)
                ? Optional.of(Instant.ofEpochMilli(num(item, CONNECTED_AT))) : Optional.empty();
    }

    /**
     * Pending checks due now, at most {@code limit}, oldest due first within each shard. Queries the
     * {@code due} index shard by shard, starting at a random shard so that replicas polling at the
     * same moment mostly meet different checks first. Never scans.
     */
    public List<PendingCheck> due(int limit) {
        long now = clock.millis();
        List<PendingCheck> found = new ArrayList<>();
        int shards = pollShards;
        int first = ThreadLocalRandom.current().nextInt(shards);
        for (int i = 0; i < shards && found.size() < limit; i++) {
            int shard = (first + i) % shards;
            int want = limit - found.size();
            QueryResponse page = dynamo.query(r -> r.tableName(settings.table()).indexName(DUE_INDEX)
                    .keyConditionExpression("#s = :shard AND #due <= :now")
                    .expressionAttributeNames(Map.of("#s", DUE_SHARD, "#due", DUE_AT))
                    .expressionAttributeValues(Map.of(":shard", n(shard), ":now", n(now)))
                    .limit(want));
            page.items().stream().map(CheckStore::toCheck).forEach(found::add);
        }
        return found;
    }

    /**
     * Takes a due check for {@code lease}: moves its {@code dueAt} forward, on condition that nobody
     * moved it since it was seen and that no newer disconnect replaced it. Empty when another replica
     * (or a newer event) got there first.
     */
    public Optional<PendingCheck> claim(PendingCheck seen) {
        long leaseEnd = clock.instant().plus(settings.lease()).toEpochMilli();
        try {
            var response = dynamo.updateItem(r -> r.tableName(settings.table())
                    .key(Map.of(CHECK_KEY, s(seen.thingName())))
                    .updateExpression("SET #due = :lease, #claims = if_not_exists(#claims, :zero) + :one")
                    .conditionExpression("#due = :seen AND #d = :ts")
                    .expressionAttributeNames(Map.of("#due", DUE_AT, "#d", DISCONNECTED_AT, "#claims", CLAIMS))
                    .expressionAttributeValues(Map.of(":lease", n(leaseEnd), ":seen", n(seen.dueAt().toEpochMilli()),
                            ":ts", n(seen.disconnectedAt().toEpochMilli()), ":zero", n(0), ":one", n(1)))
                    .returnValues(ReturnValue.ALL_NEW));
            return Optional.of(toCheck(response.attributes()));
        } catch (ConditionalCheckFailedException e) {
            return Optional.empty();
        }
    }

    /**
     * Ends a verified check, on condition that it is still for the same disconnect: a newer
     * disconnect (or a connect) that arrived while it was verified survives. False when it did. The check
     * leaves the due index; its disconnect stays recorded so that a redelivered event is stale.
     */
    public boolean finish(PendingCheck check) {
        // The item stays as a mark of the disconnect it alerted on (out of the due index, gone after the
        // retention): SQS delivers at least once, and the same event coming back must find it and change nothing.
        Map<String, String> names = new HashMap<>(PENDING_STATE_NAMES);
        names.putAll(Map.of("#d", DISCONNECTED_AT, "#e", EXPIRES_AT));
        try {
            dynamo.updateItem(r -> r.tableName(settings.table()).key(Map.of(CHECK_KEY, s(check.thingName())))
                    .updateExpression("SET #e = :exp REMOVE " + PENDING_STATE)
                    .conditionExpression("#d = :ts AND attribute_exists(#due)")
                    .expressionAttributeNames(names)
                    .expressionAttributeValues(Map.of(":ts", n(check.disconnectedAt().toEpochMilli()),
                            ":exp", n(check.disconnectedAt().plus(settings.retention()).getEpochSecond()))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    /** The thing's pending check (strongly consistent), if one is pending. */
    public Optional<PendingCheck> get(String thingName) {
        var item = dynamo.getItem(r -> r.tableName(settings.table()).key(Map.of(CHECK_KEY, s(thingName)))
                .consistentRead(true)).item();
        return item != null && item.containsKey(DUE_AT) ? Optional.of(toCheck(item)) : Optional.empty();
    }

    /** Cancels the thing's pending check by hand; false when none was pending. */
    public Optional<PendingCheck> cancel(String thingName) {
        try {
            var response = dynamo.deleteItem(r -> r.tableName(settings.table()).key(Map.of(CHECK_KEY, s(thingName)))
                    .conditionExpression("attribute_exists(#due)")
                    .expressionAttributeNames(Map.of("#due", DUE_AT))
                    .returnValues(ReturnValue.ALL_OLD));
            return Optional.of(toCheck(response.attributes()));
        } catch (ConditionalCheckFailedException e) {
            return Optional.empty();
        }
    }

    /**
     * The one write that decides an alert ({@link AlertProtocol}): marks the check PUBLISHING by this claim,
     * on condition that it is still this disconnect's check and still this claim's. A connect recorded
     * before (it removed the check), a newer disconnect (it replaced it) or a replica that claimed it after
     * this claim's lease ran out makes it fail: then nothing is published.
     */
    public boolean beginAlert(PendingCheck check, String owner, Verdict.Reason reason) {
        return updateIfStillClaimed(check,
                "SET #owner = :owner, #aclaim = :claim, #deadline = :deadline, #areason = :areason",
                Map.of("#owner", ALERT_OWNER, "#aclaim", ALERT_CLAIM, "#deadline", ALERT_DEADLINE, "#areason", ALERT_REASON),
                Map.of(":owner", s(owner), ":deadline", n(check.dueAt().toEpochMilli()), ":areason", s(reason.name())));
    }

    /**
     * Gives a check up after {@code max-attempts}: FAILED, out of the way until {@code retention} has passed
     * (then the poller removes it), visible in {@code GET /checks} meanwhile. A connect or a newer
     * disconnect replaces it as it would a pending check.
     */
    public boolean markFailed(PendingCheck check) {
        Instant keepUntil = clock.instant().plus(settings.retention());
        return updateIfStillClaimed(check,
                "SET #status = :failed, #due = :keep, #e = :exp REMOVE #owner, #aclaim, #deadline, #areason",
                Map.of("#status", STATUS, "#due", DUE_AT, "#e", EXPIRES_AT, "#owner", ALERT_OWNER,
                        "#aclaim", ALERT_CLAIM, "#deadline", ALERT_DEADLINE, "#areason", ALERT_REASON),
                Map.of(":failed", s(PendingCheck.Status.FAILED.name()), ":keep", n(keepUntil.toEpochMilli()),
                        ":exp", n(keepUntil.plus(settings.retention()).getEpochSecond())));
    }

    /** Applies {@code update} if the item is still the check of this disconnect, held by this claim. */
    private boolean updateIfStillClaimed(PendingCheck check, String update, Map<String, String> names,
            Map<String, AttributeValue> values) {
        Condition ours = Condition.of("#d = :ts AND #claims = :claim", Map.of("#d", DISCONNECTED_AT, "#claims", CLAIMS),
                Map.of(":ts", n(check.disconnectedAt().toEpochMilli()), ":claim", n(check.claims())));
        Map<String, String> allNames = new HashMap<>(ours.names());
        allNames.putAll(names);
        Map<String, AttributeValue> allValues = new HashMap<>(ours.values());
        allValues.putAll(values);
        try {
            dynamo.updateItem(r -> r.tableName(settings.table()).key(Map.of(CHECK_KEY, s(check.thingName())))
                    .updateExpression(update)
                    .conditionExpression(ours.expression())
                    .expressionAttributeNames(allNames)
                    .expressionAttributeValues(allValues));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    /**
     * After an alert was published: the PUBLISHED record {@code alerted#<thing>}, which the recovery notice
     * needs. Idempotent for the same disconnect; never replaces the record of a newer one.
     */
    public void recordPublished(PendingCheck check, String messageId) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(CHECK_KEY, s(ALERT_PREFIX + check.thingName()));
        item.put(DISCONNECTED_AT, n(check.disconnectedAt().toEpochMilli()));
        item.put(ALERTED_AT, n(clock.millis()));
        item.put(MESSAGE_ID, s(messageId));
        check.reason().ifPresent(r -> item.put(REASON, s(r)));
        item.put(EXPIRES_AT, n(clock.instant().plus(settings.retention()).getEpochSecond()));
        try {
            dynamo.putItem(r -> r.tableName(settings.table()).item(item)
                    .conditionExpression("attribute_not_exists(#k) OR #d <= :ts")
                    .expressionAttributeNames(Map.of("#k", CHECK_KEY, "#d", DISCONNECTED_AT))
                    .expressionAttributeValues(Map.of(":ts", n(check.disconnectedAt().toEpochMilli()))));
        } catch (ConditionalCheckFailedException e) {
            // a newer disconnect was alerted on already: that record is the open one
        }
    }

    /** Whether this very disconnect has its PUBLISHED record (strongly consistent). */
    public boolean isPublished(PendingCheck check) {
        var item = dynamo.getItem(r -> r.tableName(settings.table())
                .key(Map.of(CHECK_KEY, s(ALERT_PREFIX + check.thingName()))).consistentRead(true)).item();
        return item != null && item.containsKey(DISCONNECTED_AT)
                && num(item, DISCONNECTED_AT) == check.disconnectedAt().toEpochMilli();
    }

    /**
     * On a connect: takes away the thing's open alert if it is for a disconnect before this connect.
     * Exactly one of several (duplicate) connect events gets it, so the recovery notice goes out once.
     */
    public Optional<AlertRecord> closeAlert(String thingName, Instant connectedAt) {
        try {
            var response = dynamo.deleteItem(r -> r.tableName(settings.table())
                    .key(Map.of(CHECK_KEY, s(ALERT_PREFIX + thingName)))
                    .conditionExpression("#d < :ts")
                    .expressionAttributeNames(Map.of("#d", DISCONNECTED_AT))
                    .expressionAttributeValues(Map.of(":ts", n(connectedAt.toEpochMilli())))
                    .returnValues(ReturnValue.ALL_OLD));
            var item = response.attributes();
            return Optional.of(new AlertRecord(thingName, Instant.ofEpochMilli(num(item, DISCONNECTED_AT)),
                    Instant.ofEpochMilli(num(item, ALERTED_AT)), str(item, REASON)));
        } catch (ConditionalCheckFailedException e) {
            return Optional.empty();
        }
    }

    /** Puts back an alert taken by {@link #closeAlert} when the recovery notice could not be published. */
    public void reopenAlert(AlertRecord alert) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(CHECK_KEY, s(ALERT_PREFIX + alert.thingName()));
        item.put(DISCONNECTED_AT, n(alert.disconnectedAt().toEpochMilli()));
        item.put(ALERTED_AT, n(alert.alertedAt().toEpochMilli()));
        alert.reason().ifPresent(r -> item.put(REASON, s(r)));
        item.put(EXPIRES_AT, n(clock.instant().plus(settings.retention()).getEpochSecond()));
        try {
            dynamo.putItem(r -> r.tableName(settings.table()).item(item)
                    .conditionExpression("attribute_not_exists(#k)")
                    .expressionAttributeNames(Map.of("#k", CHECK_KEY)));
        } catch (ConditionalCheckFailedException e) {
            // a newer alert exists: that one is the open one now
        }
    }

    /**
     * Pending checks in due order. Each shard is queried from the cursor's due time on, reading a
     * shard only as far as needed (plus the ties at the page boundary), and the shard lists are merged.
     */
    public Page page(int limit, Optional<String> after) {
        Cursor cursor = after.map(Cursor::decode).orElse(Cursor.START);
        Comparator<PendingCheck> order = Comparator.comparing(PendingCheck::dueAt).thenComparing(PendingCheck::thingName);
        List<PendingCheck> merged = new ArrayList<>();
        for (int shard = 0; shard < pollShards; shard++) {
            merged.addAll(shardPage(shard, cursor, limit + 1));
        }
        merged.sort(order);
        List<PendingCheck> checks = merged.size() > limit ? merged.subList(0, limit) : merged;
        Optional<String> next = merged.size() > limit
                ? Optional.of(Cursor.of(checks.get(checks.size() - 1)).encode()) : Optional.empty();
        return new Page(List.copyOf(checks), next);
    }

    private List<PendingCheck> shardPage(int shard, Cursor cursor, int want) {
        List<PendingCheck> found = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        Instant boundary = null;
        do {
            Map<String, AttributeValue> exclusiveStart = start;
            QueryResponse response = dynamo.query(r -> r.tableName(settings.table()).indexName(DUE_INDEX)
                    .keyConditionExpression("#s = :shard AND #due >= :from")
                    .expressionAttributeNames(Map.of("#s", DUE_SHARD, "#due", DUE_AT))
                    .expressionAttributeValues(Map.of(":shard", n(shard), ":from", n(cursor.dueAt())))
                    .limit(want)
                    .exclusiveStartKey(exclusiveStart));
            for (var item : response.items()) {
                PendingCheck check = toCheck(item);
                if (boundary != null && check.dueAt().isAfter(boundary)) {
                    return found;
                }
                if (cursor.isBefore(check)) {
                    found.add(check);
                    if (found.size() == want) {
                        // keep reading the checks due at the same instant: their order by name is ours, not the index's
                        boundary = check.dueAt();
                    }
                }
            }
            start = response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty()
                    ? response.lastEvaluatedKey() : null;
        } while (start != null);
        return found;
    }

    /** A position in due order: after the check due at {@code dueAt} named {@code thingName}. */
    record Cursor(long dueAt, String thingName) {

        static final Cursor START = new Cursor(0, "");

        static Cursor of(PendingCheck check) {
            return new Cursor(check.dueAt().toEpochMilli(), check.thingName());
        }

        boolean isBefore(PendingCheck check) {
            long due = check.dueAt().toEpochMilli();
            return due > dueAt || (due == dueAt && check.thingName().compareTo(thingName) > 0);
        }

        String encode() {
            return Base64.getUrlEncoder().withoutPadding()
                    .encodeToString((dueAt + "." + thingName).getBytes(StandardCharsets.UTF_8));
        }

        static Cursor decode(String text) {
            try {
                String plain = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8);
                int dot = plain.indexOf('.');
                return new Cursor(Long.parseLong(plain.substring(0, dot)), plain.substring(dot + 1));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("not a cursor returned by GET /checks: " + text);
            }
        }
    }

    static PendingCheck toCheck(Map<String, AttributeValue> item) {
        Optional<PendingCheck.Publishing> alert = item.containsKey(ALERT_OWNER)
                ? Optional.of(new PendingCheck.Publishing(item.get(ALERT_OWNER).s(), (int) num(item, ALERT_CLAIM),
                        Instant.ofEpochMilli(num(item, ALERT_DEADLINE)), Verdict.Reason.valueOf(item.get(ALERT_REASON).s())))
                : Optional.empty();
        PendingCheck.Status status = item.containsKey(STATUS) ? PendingCheck.Status.valueOf(item.get(STATUS).s())
                : alert.isPresent() ? PendingCheck.Status.PUBLISHING : PendingCheck.Status.PENDING;
        return new PendingCheck(
                item.get(CHECK_KEY).s(),
                Instant.ofEpochMilli(num(item, DISCONNECTED_AT)),
                Instant.ofEpochMilli(num(item, DUE_AT)),
                (int) num(item, DUE_SHARD),
                item.containsKey(SOURCE) ? CheckSource.valueOf(item.get(SOURCE).s()) : CheckSource.MANUAL,
                str(item, REASON),
                Instant.ofEpochMilli(item.containsKey(CREATED_AT) ? num(item, CREATED_AT) : 0),
                item.containsKey(CLAIMS) ? (int) num(item, CLAIMS) : 0,
                status,
                alert);
    }

    private static long num(Map<String, AttributeValue> item, String name) {
        return Long.parseLong(item.get(name).n());
    }

    private static Optional<String> str(Map<String, AttributeValue> item, String name) {
        return Optional.ofNullable(item.get(name)).map(AttributeValue::s);
    }

    private static AttributeValue s(String value) {
        return Condition.s(value);
    }

    private static AttributeValue n(long value) {
        return Condition.n(value);
    }
}
