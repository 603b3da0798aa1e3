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
 * index that the pollers query;</li>
 * <li>a <b>connect mark</b>, without them (so never in the index): the last connect seen, which makes a
 * disconnect event that arrives late but happened before it harmless.</li>
 * </ul>
 * An alert that still waits for its recovery notice is a separate item keyed {@code alerted#<thing>}
 * ({@code #} never occurs in thing names), also outside the index.
 *
 * <p>All times are epoch milliseconds except the TTL attribute {@code expiresAt}, which DynamoDB wants
 * in seconds: lifecycle events carry milliseconds and a shadow-rule disconnect (seconds) must order
 * correctly against a connect a few hundred milliseconds later.
 *
 * <p>Every change is one conditional write, so replicas never need a lock: a newer event wins, a stale
 * or duplicate one changes nothing, and of two pollers only one claims a check.
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
    }

    /** Shard of a thing: stable for its name, so its check always lands in the same index partition. */
    public int shardOf(String thingName) {
        return Math.floorMod(thingName.hashCode(), settings.shards());
    }

    /**
     * Records a disconnect: a check due {@code grace} after it. Replaces an older pending check of
     * the thing; a newer pending check or a later connect leaves everything as it was.
     */
    public ScheduleOutcome schedule(String thingName, Instant disconnectedAt, CheckSource source, Optional<String> reason) {
        long ts = disconnectedAt.toEpochMilli();
        Instant dueAt = disconnectedAt.plus(settings.grace());
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(CHECK_KEY, s(thingName));
        item.put(DISCONNECTED_AT, n(ts));
        item.put(DUE_AT, n(dueAt.toEpochMilli()));
        item.put(DUE_SHARD, n(shardOf(thingName)));
        item.put(SOURCE, s(source.name()));
        reason.ifPresent(r -> item.put(REASON, s(r)));
        item.put(CREATED_AT, n(clock.millis()));
        item.put(CLAIMS, n(0));
        item.put(EXPIRES_AT, n(dueAt.plus(settings.retention()).getEpochSecond()));
        try {
            var response = dynamo.putItem(r -> r.tableName(settings.table()).item(item)
                    .conditionExpression("attribute_not_exists(#k) OR ((attribute_not_exists(#d) OR #d < :ts) "
                            + "AND (attribute_not_exists(#c) OR #c < :ts))")
                    .expressionAttributeNames(Map.of("#k", CHECK_KEY, "#d", DISCONNECTED_AT, "#c", CONNECTED_AT))
                    .expressionAttributeValues(Map.of(":ts", n(ts)))
                    .returnValues(ReturnValue.ALL_OLD));
            return response.hasAttributes() && response.attributes().containsKey(DUE_AT)
                    ? ScheduleOutcome.SUPERSEDED : ScheduleOutcome.SCHEDULED;
        } catch (ConditionalCheckFailedException e) {
            return ScheduleOutcome.STALE;
        }
    }

    /**
     * Records a connect: removes a pending check whose disconnect happened before it and leaves a
     * connect mark (outside the due index) so that an older disconnect arriving later is ignored.
     */
    public ConnectOutcome connect(String thingName, Instant connectedAt) {
        long ts = connectedAt.toEpochMilli();
        try {
            var response = dynamo.updateItem(r -> r.tableName(settings.table())
                    .key(Map.of(CHECK_KEY, s(thingName)))
                    .updateExpression("SET #c = :ts, #e = :exp REMOVE #d, #due, #shard, #src, #reason, #created, #claims")
                    .conditionExpression("(attribute_not_exists(#d) OR #d < :ts) AND (attribute_not_exists(#c) OR #c < :ts)")
                    .expressionAttributeNames(Map.of("#c", CONNECTED_AT, "#e", EXPIRES_AT, "#d", DISCONNECTED_AT,
                            "#due", DUE_AT, "#shard", DUE_SHARD, "#src", SOURCE, "#reason", REASON,
                            "#created", CREATED_AT, "#claims", CLAIMS))
                    .expressionAttributeValues(Map.of(":ts", n(ts),
                            ":exp", n(connectedAt.plus(settings.retention()).getEpochSecond())))
                    .returnValues(ReturnValue.ALL_OLD));
            return response.hasAttributes() && response.attributes().containsKey(DUE_AT)
                    ? ConnectOutcome.CANCELLED : ConnectOutcome.RECORDED;
        } catch (ConditionalCheckFailedException e) {
            return ConnectOutcome.STALE;
        }
    }

    /**
     * Pending checks due now, at most {@code limit}, oldest due first within each shard. Queries the
     * {@code due} index shard by shard, starting at a random shard so that replicas polling at the
     * same moment mostly meet different checks first. Never scans.
     */
    public List<PendingCheck> due(int limit) {
        long now = clock.millis();
        List<PendingCheck> found = new ArrayList<>();
        int first = ThreadLocalRandom.current().nextInt(settings.shards());
        for (int i = 0; i < settings.shards() && found.size() < limit; i++) {
            int shard = (first + i) % settings.shards();
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
     * Removes a verified check, on condition that it is still for the same disconnect: a newer
     * disconnect (or a connect) that arrived while it was verified survives. False when it did.
     */
    public boolean finish(PendingCheck check) {
        try {
            dynamo.deleteItem(r -> r.tableName(settings.table()).key(Map.of(CHECK_KEY, s(check.thingName())))
                    .conditionExpression("#d = :ts")
                    .expressionAttributeNames(Map.of("#d", DISCONNECTED_AT))
                    .expressionAttributeValues(Map.of(":ts", n(check.disconnectedAt().toEpochMilli()))));
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
     * Before an alert is published: records that this disconnect is being alerted on. False when it
     * already was (a replica whose lease ran out while it was still verifying, or a redelivery), so
     * that a disconnect is announced at most once.
     */
    public boolean recordAlert(PendingCheck check) {
        long ts = check.disconnectedAt().toEpochMilli();
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(CHECK_KEY, s(ALERT_PREFIX + check.thingName()));
        item.put(DISCONNECTED_AT, n(ts));
        item.put(ALERTED_AT, n(clock.millis()));
        check.reason().ifPresent(r -> item.put(REASON, s(r)));
        item.put(EXPIRES_AT, n(clock.instant().plus(settings.retention()).getEpochSecond()));
        try {
            dynamo.putItem(r -> r.tableName(settings.table()).item(item)
                    .conditionExpression("attribute_not_exists(#k) OR #d < :ts")
                    .expressionAttributeNames(Map.of("#k", CHECK_KEY, "#d", DISCONNECTED_AT))
                    .expressionAttributeValues(Map.of(":ts", n(ts))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    /** Undoes {@link #recordAlert} when the publish failed, so the next attempt may alert. */
    public void forgetAlert(String thingName, Instant disconnectedAt) {
        try {
            dynamo.deleteItem(r -> r.tableName(settings.table()).key(Map.of(CHECK_KEY, s(ALERT_PREFIX + thingName)))
                    .conditionExpression("#d = :ts")
                    .expressionAttributeNames(Map.of("#d", DISCONNECTED_AT))
                    .expressionAttributeValues(Map.of(":ts", n(disconnectedAt.toEpochMilli()))));
        } catch (ConditionalCheckFailedException e) {
            // a newer alert took its place: nothing of ours to undo
        }
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
        for (int shard = 0; shard < settings.shards(); shard++) {
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
        return new PendingCheck(
                item.get(CHECK_KEY).s(),
                Instant.ofEpochMilli(num(item, DISCONNECTED_AT)),
                Instant.ofEpochMilli(num(item, DUE_AT)),
                (int) num(item, DUE_SHARD),
                item.containsKey(SOURCE) ? CheckSource.valueOf(item.get(SOURCE).s()) : CheckSource.MANUAL,
                str(item, REASON),
                Instant.ofEpochMilli(item.containsKey(CREATED_AT) ? num(item, CREATED_AT) : 0),
                item.containsKey(CLAIMS) ? (int) num(item, CLAIMS) : 0);
    }

    private static long num(Map<String, AttributeValue> item, String name) {
        return Long.parseLong(item.get(name).n());
    }

    private static Optional<String> str(Map<String, AttributeValue> item, String name) {
        return Optional.ofNullable(item.get(name)).map(AttributeValue::s);
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    private static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }
}
