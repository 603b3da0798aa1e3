package io.shadowcast.converge;

import static io.shadowcast.provision.TableProvisioner.DUE_AT;
import static io.shadowcast.provision.TableProvisioner.DUE_INDEX;
import static io.shadowcast.provision.TableProvisioner.DUE_SHARD;
import static io.shadowcast.provision.TableProvisioner.EXPIRES_AT;
import static io.shadowcast.provision.TableProvisioner.LEDGER_PARTITION;
import static io.shadowcast.provision.TableProvisioner.LEDGER_SORT;
import static io.shadowcast.provision.TableProvisioner.STATUS_INDEX;
import static io.shadowcast.provision.TableProvisioner.STATUS_PARTITION;
import static io.shadowcast.provision.TableProvisioner.STATUS_SORT;

import io.shadowcast.config.ConvergeConfig;
import io.shadowcast.rollout.DeviceLedger.Convergence;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.jboss.logging.Logger;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

/**
 * The ledger table. Two kinds of items under the composite key ({@code pk}, {@code sk}):
 * <ul>
 * <li>a <b>thing item</b> per written thing and rollout: {@code pk = thing#<name>}, {@code sk = <rollout id>},
 * so a device report finds every rollout that wrote its thing with one Query. Its {@code statusKey}
 * ({@code <rollout>#<STATUS>#<shard>}) puts it in the {@code status} index, sharded so that no rollout's
 * listing is one hot partition; while WRITTEN it also carries {@code shard} and {@code dueAt} (its confirm
 * deadline), which put it in the sparse {@code due} index the timeout sweep queries.</li>
 * <li>a <b>counter shard</b> per rollout, wave and shard: {@code pk = rollout#<id>}, {@code sk = count#<wave>#<shard>},
 * with the numbers of things written, applied, failed and timed out. A transition adds to the shard of
 * its thing in the same transaction that moves the thing, so counts never drift; reading sums the shards.</li>
 * </ul>
 * {@code #} never occurs in thing names, so the two kinds never share a partition. Every item carries
 * {@code expiresAt} (TTL, epoch seconds); all other times are epoch milliseconds.
 */
@Singleton
public class LedgerStore {

    private static final Logger LOG = Logger.getLogger(LedgerStore.class);

    /** Counter and index shards per rollout: a thing's shard is its name's hash modulo this. */
    static final int SHARDS = 32;
    /** Emulators accept 25 actions per transaction (AWS 100): 24 new things and their counter. */
    static final int THINGS_PER_TRANSACTION = 24;
    private static final int KEYS_PER_BATCH_GET = 100;
    private static final int CONFLICT_ATTEMPTS = 8;

    static final String THING_PREFIX = "thing#";
    static final String ROLLOUT_PREFIX = "rollout#";
    static final String COUNT_PREFIX = "count#";
    static final String ROLLOUT = "rollout";
    static final String WAVE = "wave";
    static final String HASH = "hash";
    static final String URL = "url";
    static final String STATUS = "status";
    static final String WRITTEN_AT = "writtenAt";
    static final String AT = "at";
    static final String ERROR = "error";

    /** What every thing item of a rollout carries: the object a device reports back. */
    public record RolloutObject(String rolloutId, String hash, String url) {
    }

    /** One page of a rollout's things in one status, and the cursor of the next page (null after the last). */
    public record Listing(List<ThingItem> things, String next) {
    }

    private final DynamoDbClient dynamo;
    private final String table;
    private final Duration retention;

    @Inject
    LedgerStore(DynamoDbClient dynamo, ConvergeConfig config) {
        this(dynamo, config.table(), config.retention());
    }

    LedgerStore(DynamoDbClient dynamo, String table, Duration retention) {
        this.dynamo = dynamo;
        this.table = table;
        this.retention = retention;
    }

    static int shardOf(String thing) {
        return Math.floorMod(thing.hashCode(), SHARDS);
    }

    /** The things of this list that the rollout already recorded (a page repeated after a resume). */
    Set<String> recorded(String rolloutId, List<String> things) {
        Set<String> found = new HashSet<>();
        for (int from = 0; from < things.size(); from += KEYS_PER_BATCH_GET) {
            List<Map<String, AttributeValue>> keys = things.subList(from, Math.min(things.size(), from + KEYS_PER_BATCH_GET))
                    .stream().map(thing -> thingKey(thing, rolloutId)).toList();
            Map<String, KeysAndAttributes> request = Map.of(table, KeysAndAttributes.builder().keys(keys)
                    .consistentRead(true).projectionExpression("#thing")
                    .expressionAttributeNames(Map.of("#thing", STATUS_SORT)).build());
            for (int attempt = 1; !request.isEmpty(); attempt++) {
                Map<String, KeysAndAttributes> asked = request;
                BatchGetItemResponse response = dynamo.batchGetItem(r -> r.requestItems(asked));
                response.responses().getOrDefault(table, List.of()).forEach(item -> found.add(item.get(STATUS_SORT).s()));
                request = response.hasUnprocessedKeys() ? response.unprocessedKeys() : Map.of();
                if (!request.isEmpty()) {
                    backOff(attempt);
                }
            }
        }
        return found;
    }

    /**
     * Records things not recorded yet as WRITTEN, {@value #THINGS_PER_TRANSACTION} a transaction with the
     * counter they add to. A thing that exists after all (its condition failed) is left as it is.
     */
    void recordWritten(RolloutObject object, int wave, List<String> things, Instant now, Instant due) {
        for (int from = 0; from < things.size(); from += THINGS_PER_TRANSACTION) {
            List<String> chunk = things.subList(from, Math.min(things.size(), from + THINGS_PER_TRANSACTION));
            while (!chunk.isEmpty() && !transact(newThings(object, wave, chunk, now, due))) {
                Set<String> already = recorded(object.rolloutId(), chunk);
                chunk = chunk.stream().filter(thing -> !already.contains(thing)).toList();
            }
        }
    }

    private List<TransactWriteItem> newThings(RolloutObject object, int wave, List<String> things, Instant now,
            Instant due) {
        List<TransactWriteItem> writes = new ArrayList<>();
        for (String thing : things) {
            Map<String, AttributeValue> item = new HashMap<>(thingKey(thing, object.rolloutId()));
            item.put(STATUS_SORT, s(thing));
            item.put(ROLLOUT, s(object.rolloutId()));
            item.put(WAVE, n(wave));
            item.put(HASH, s(object.hash()));
            item.put(URL, s(object.url()));
            item.put(STATUS, s(ThingStatus.WRITTEN.name()));
            item.put(STATUS_PARTITION, s(statusKey(object.rolloutId(), ThingStatus.WRITTEN, shardOf(thing))));
            item.put(WRITTEN_AT, n(now.toEpochMilli()));
            item.put(AT, n(now.toEpochMilli()));
            item.put(DUE_SHARD, n(shardOf(thing)));
            item.put(DUE_AT, n(due.toEpochMilli()));
            item.put(EXPIRES_AT, n(expiry(now)));
            writes.add(TransactWriteItem.builder().put(p -> p.tableName(table).item(item)
                    .conditionExpression("attribute_not_exists(#pk)")
                    .expressionAttributeNames(Map.of("#pk", LEDGER_PARTITION))).build());
        }
        writes.add(count(object.rolloutId(), wave, shardOf(things.get(0)), Map.of(ThingStatus.WRITTEN.counter,
                (long) things.size()), now));
        return writes;
    }

    /**
     * Moves a thing from the status it was read in to {@code to} (see {@link ThingStatus}), with its
     * counters. False when it is no longer in the status it was read in: read it again and decide again.
     */
    boolean move(ThingItem item, ThingStatus to, String error, Instant now) {
        Map<String, String> names = new HashMap<>(Map.of("#status", STATUS, "#statusKey", STATUS_PARTITION,
                "#at", AT, "#dueShard", DUE_SHARD, "#dueAt", DUE_AT, "#error", ERROR));
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":from", s(item.status().name()),
                ":to", s(to.name()), ":statusKey", s(statusKey(item.rolloutId(), to, shardOf(item.thing()))),
                ":at", n(now.toEpochMilli())));
        String update = "SET #status = :to, #statusKey = :statusKey, #at = :at";
        if (to == ThingStatus.FAILED && error != null) {
            values.put(":error", s(error));
            update += ", #error = :error REMOVE #dueShard, #dueAt";
        } else {
            update += " REMOVE #dueShard, #dueAt, #error";
        }
        String expression = update;
        Map<String, Long> deltas = new LinkedHashMap<>();
        deltas.put(to.counter, 1L);
        if (item.status() != ThingStatus.WRITTEN) {
            deltas.put(item.status().counter, -1L);
        }
        TransactWriteItem thing = TransactWriteItem.builder().update(u -> u.tableName(table)
                .key(thingKey(item.thing(), item.rolloutId())).updateExpression(expression)
                .conditionExpression("#status = :from").expressionAttributeNames(names)
                .expressionAttributeValues(values)).build();
        return transact(List.of(thing, count(item.rolloutId(), item.wave(), shardOf(item.thing()), deltas, now)));
    }

    /** Forgets a WRITTEN thing whose write did not happen, and its count. False when it is no longer WRITTEN. */
    boolean forget(ThingItem item, Instant now) {
        TransactWriteItem delete = TransactWriteItem.builder().delete(d -> d.tableName(table)
                .key(thingKey(item.thing(), item.rolloutId())).conditionExpression("#status = :written")
                .expressionAttributeNames(Map.of("#status", STATUS))
                .expressionAttributeValues(Map.of(":written", s(ThingStatus.WRITTEN.name())))).build();
        return transact(List.of(delete, count(item.rolloutId(), item.wave(), shardOf(item.thing()),
                Map.of(ThingStatus.WRITTEN.counter, -1L), now)));
    }

    /** Adds to the counters of one shard of a rollout's wave, and keeps the shard as long as its things. */
    private TransactWriteItem count(String rolloutId, int wave, int shard, Map<String, Long> deltas, Instant now) {
        Map<String, String> names = new HashMap<>(Map.of("#expires", EXPIRES_AT));
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":expires", n(expiry(now))));
        List<String> adds = new ArrayList<>();
        deltas.forEach((counter, delta) -> {
            names.put("#" + counter, counter);
            values.put(":" + counter, n(delta));
            adds.add("#" + counter + " :" + counter);
        });
        String update = "ADD " + String.join(", ", adds) + " SET #expires = :expires";
        return TransactWriteItem.builder().update(u -> u.tableName(table)
                .key(Map.of(LEDGER_PARTITION, s(ROLLOUT_PREFIX + rolloutId), LEDGER_SORT, s(counterSort(wave, shard))))
                .updateExpression(update).expressionAttributeNames(names).expressionAttributeValues(values)).build();
    }

    /**
     * Runs one transaction; true when it was written, false when a condition failed. Concurrent
     * transactions on one counter shard conflict now and then: those are tried again after a pause.
     */
    private boolean transact(List<TransactWriteItem> writes) {
        for (int attempt = 1; ; attempt++) {
            try {
                dynamo.transactWriteItems(r -> r.transactItems(writes));
                return true;
            } catch (TransactionCanceledException e) {
                List<String> codes = e.hasCancellationReasons()
                        ? e.cancellationReasons().stream().map(CancellationReason::code).toList() : List.of();
                if (codes.contains("ConditionalCheckFailed")) {
                    return false;
                }
                if (!codes.contains("TransactionConflict") || attempt >= CONFLICT_ATTEMPTS) {
                    throw e;
                }
                LOG.debugf("Ledger transaction conflicted (attempt %d), trying again", attempt);
                backOff(attempt);
            }
        }
    }

    /** Every rollout that wrote this thing and is still kept. */
    List<ThingItem> rolloutsOf(String thing) {
        List<ThingItem> items = new ArrayList<>();
        query(QueryRequest.builder().tableName(table).consistentRead(true)
                .keyConditionExpression("#pk = :pk")
                .expressionAttributeNames(Map.of("#pk", LEDGER_PARTITION))
                .expressionAttributeValues(Map.of(":pk", s(THING_PREFIX + thing))).build(),
                item -> items.add(toThing(item)));
        return items;
    }

    Optional<ThingItem> get(String rolloutId, String thing) {
        var response = dynamo.getItem(r -> r.tableName(table).key(thingKey(thing, rolloutId)).consistentRead(true));
        return response.hasItem() && !response.item().isEmpty() ? Optional.of(toThing(response.item())) : Optional.empty();
    }

    /** The counts of one wave, or of every wave when {@code wave} is empty: the sum of their counter shards. */
    Convergence counts(String rolloutId, Optional<Integer> wave) {
        String prefix = wave.map(w -> COUNT_PREFIX + w + "#").orElse(COUNT_PREFIX);
        long[] sums = new long[4];
        query(QueryRequest.builder().tableName(table).consistentRead(true)
                .keyConditionExpression("#pk = :pk AND begins_with(#sk, :prefix)")
                .expressionAttributeNames(Map.of("#pk", LEDGER_PARTITION, "#sk", LEDGER_SORT))
                .expressionAttributeValues(Map.of(":pk", s(ROLLOUT_PREFIX + rolloutId), ":prefix", s(prefix))).build(),
                item -> {
                    sums[0] += number(item, ThingStatus.WRITTEN.counter);
                    sums[1] += number(item, ThingStatus.APPLIED.counter);
                    sums[2] += number(item, ThingStatus.FAILED.counter);
                    sums[3] += number(item, ThingStatus.TIMED_OUT.counter);
                });
        return new Convergence(sums[0], sums[1], sums[2], sums[3]);
    }

    /** WRITTEN things of this shard whose confirm deadline passed, oldest first (from the sparse due index). */
    List<ThingItem> overdue(int shard, Instant now, int limit) {
        QueryResponse response = dynamo.query(r -> r.tableName(table).indexName(DUE_INDEX)
                .keyConditionExpression("#shard = :shard AND #due <= :now")
                .expressionAttributeNames(Map.of("#shard", DUE_SHARD, "#due", DUE_AT))
                .expressionAttributeValues(Map.of(":shard", n(shard), ":now", n(now.toEpochMilli())))
                .limit(limit));
        return response.items().stream().map(LedgerStore::toThing).toList();
    }

    /**
     * A page of a rollout's things in one status, shard after shard, each in thing-name order. The cursor
     * names the shard and the last thing shown.
     */
    Listing list(String rolloutId, ThingStatus status, int limit, String cursor) {
        int shard = 0;
        Map<String, AttributeValue> start = null;
        if (cursor != null) {
            Cursor position = Cursor.decode(cursor);
            shard = position.shard();
            start = Map.of(STATUS_PARTITION, s(statusKey(rolloutId, status, shard)), STATUS_SORT, s(position.thing()),
                    LEDGER_PARTITION, s(THING_PREFIX + position.thing()), LEDGER_SORT, s(rolloutId));
        }
        List<ThingItem> things = new ArrayList<>();
        int lastShard = shard;
        while (shard < SHARDS && things.size() < limit) {
            String key = statusKey(rolloutId, status, shard);
            Map<String, AttributeValue> from = start;
            int wanted = limit - things.size();
            QueryResponse response = dynamo.query(r -> {
                r.tableName(table).indexName(STATUS_INDEX)
                        .keyConditionExpression("#key = :key")
                        .expressionAttributeNames(Map.of("#key", STATUS_PARTITION))
                        .expressionAttributeValues(Map.of(":key", s(key)))
                        .limit(wanted);
                if (from != null) {
                    r.exclusiveStartKey(from);
                }
            });
            if (!response.items().isEmpty()) {
                lastShard = shard;
            }
            response.items().forEach(item -> things.add(toThing(item)));
            if (response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty()) {
                start = response.lastEvaluatedKey();
            } else {
                shard++;
                start = null;
            }
        }
        boolean more = things.size() == limit && (shard < SHARDS);
        String next = more ? new Cursor(lastShard, things.get(things.size() - 1).thing()).encode() : null;
        return new Listing(things, next);
    }

    /** Where a listing goes on: after this thing of this shard. */
    record Cursor(int shard, String thing) {

        String encode() {
            return Base64.getUrlEncoder().withoutPadding()
                    .encodeToString((shard + "|" + thing).getBytes(StandardCharsets.UTF_8));
        }

        static Cursor decode(String cursor) {
            String position;
            try {
                position = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new InvalidCursorException(cursor);
            }
            int bar = position.indexOf('|');
            if (bar <= 0 || bar > 2 || !position.substring(0, bar).chars().allMatch(Character::isDigit)
                    || bar == position.length() - 1) {
                throw new InvalidCursorException(cursor);
            }
            int shard = Integer.parseInt(position.substring(0, bar));
            if (shard >= SHARDS) {
                throw new InvalidCursorException(cursor);
            }
            return new Cursor(shard, position.substring(bar + 1));
        }
    }

    /** A listing cursor that this service did not hand out. */
    public static class InvalidCursorException extends IllegalArgumentException {

        InvalidCursorException(String cursor) {
            super("invalid cursor: " + cursor);
        }
    }

    private void query(QueryRequest first, java.util.function.Consumer<Map<String, AttributeValue>> each) {
        QueryRequest request = first;
        while (true) {
            QueryResponse response = dynamo.query(request);
            response.items().forEach(each);
            if (!response.hasLastEvaluatedKey() || response.lastEvaluatedKey().isEmpty()) {
                return;
            }
            request = request.toBuilder().exclusiveStartKey(response.lastEvaluatedKey()).build();
        }
    }

    static String statusKey(String rolloutId, ThingStatus status, int shard) {
        return rolloutId + "#" + status.name() + "#" + shard;
    }

    private static String counterSort(int wave, int shard) {
        return COUNT_PREFIX + wave + "#" + shard;
    }

    private long expiry(Instant now) {
        return now.plus(retention).getEpochSecond();
    }

    private static Map<String, AttributeValue> thingKey(String thing, String rolloutId) {
        return Map.of(LEDGER_PARTITION, s(THING_PREFIX + thing), LEDGER_SORT, s(rolloutId));
    }

    private static ThingItem toThing(Map<String, AttributeValue> item) {
        return new ThingItem(item.get(STATUS_SORT).s(), item.get(ROLLOUT).s(), (int) number(item, WAVE),
                text(item, HASH), text(item, URL), ThingStatus.valueOf(item.get(STATUS).s()),
                Instant.ofEpochMilli(number(item, WRITTEN_AT)), Instant.ofEpochMilli(number(item, AT)), text(item, ERROR));
    }

    private static String text(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        return value == null ? null : value.s();
    }

    private static long number(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        return value == null ? 0 : Long.parseLong(value.n());
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    private static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }

    private static void backOff(int attempt) {
        long millis = Math.min(1_000, 10L << Math.min(attempt, 6)) + ThreadLocalRandom.current().nextLong(10);
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while backing off", e);
        }
    }
}
