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

import io.shadowcast.concurrent.Failures;
import io.shadowcast.config.ConvergeConfig;
import io.shadowcast.api.PageCursor;
import io.shadowcast.rollout.DeviceLedger.Convergence;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * The ledger table. Two kinds of items under the composite key ({@code pk}, {@code sk}):
 * <ul>
 * <li>a <b>thing item</b> per written thing and rollout: {@code pk = thing#<name>}, {@code sk = <rollout id>},
 * so a device report finds every rollout that wrote its thing with one Query (the rollout's object, which
 * the report names, is the rollout record's: a thing item does not repeat it). Its {@code statusKey}
 * ({@code <rollout>#<STATUS>#<shard>}) puts it in the {@code status} index, sharded so that no rollout's
 * listing is one hot partition; while it awaits something (its report until the confirm deadline, or the
 * count of its last move) it carries {@code shard} and {@code dueAt}, which put it in the sparse {@code due}
 * index that the sweep queries.</li>
 * <li><b>counter shards</b> per rollout, wave and shard: {@code pk = rollout#<id>}, {@code sk = count#<wave>#<shard>}
 * (moves) or {@code pages#<wave>#<shard>} (things recorded), summed on reading. A thing's moves count in
 * its own shard, so no counter is one hot item.</li>
 * </ul>
 * {@code #} never occurs in thing names, so the two kinds never share a partition. Every item carries
 * {@code expiresAt} (TTL, epoch seconds); all other times are epoch milliseconds.
 *
 * <p>No transactions: each count is taken exactly once through tokens kept in the counter item (see
 * {@link #recordWritten} and {@link #move}), which costs what a transaction would and never conflicts.
 */
@Singleton
public class LedgerStore {

    /** Counter and index shards per rollout: a thing's shard is its name's hash modulo this. */
    static final int SHARDS = 32;
    /** A move whose count was not finished this long after it began is finished by the sweep. */
    static final Duration REPAIR_AFTER = Duration.ofMinutes(1);
    private static final int ITEMS_PER_BATCH_WRITE = 25;
    private static final int KEYS_PER_BATCH_GET = 100;

    static final String THING_PREFIX = "thing#";
    static final String ROLLOUT_PREFIX = "rollout#";
    static final String COUNT_PREFIX = "count#";
    static final String PAGES_PREFIX = "pages#";
    static final String WAVE = "wave";
    /** The rollout's object on thing items recorded before items left it to the rollout record; read, no longer written. */
    static final String HASH = "hash";
    static final String URL = "url";
    static final String STATUS = "status";
    static final String WRITTEN_AT = "writtenAt";
    static final String AT = "at";
    static final String ERROR = "error";
    static final String PAGE = "page";
    static final String COUNT_FROM = "countFrom";
    static final String COUNT_TO = "countTo";
    static final String COUNT_TOKEN = "countToken";
    /** On a counter shard: the tokens of the counts it took whose thing item has not yet let go of them. */
    static final String TOKENS = "tokens";

    /** A thing a rollout recorded before: the wave and the page recording it came with. */
    record Recorded(int wave, String page) {
    }

    /** One page of a rollout's things in one status, and the cursor of the next page (null after the last). */
    public record Listing(List<ThingItem> things, String next) {
    }

    private final DynamoDbClient dynamo;
    private final DynamoDbAsyncClient async;
    private final String table;
    private final Duration retention;

    @Inject
    LedgerStore(DynamoDbClient dynamo, DynamoDbAsyncClient async, ConvergeConfig config) {
        this.dynamo = dynamo;
        this.async = async;
        this.table = config.table();
        this.retention = config.retention();
    }

    static int shardOf(String thing) {
        return Math.floorMod(thing.hashCode(), SHARDS);
    }

    // ---------------------------------------------------------------------------------------------
    // Recording the things of a page
    // ---------------------------------------------------------------------------------------------

    /** The things of this list that the rollout recorded before (a page repeated after a resume). */
    Map<String, Recorded> recorded(String rolloutId, List<String> things) {
        List<CompletableFuture<List<Map<String, AttributeValue>>>> reads = new ArrayList<>();
        for (List<String> chunk : chunks(things, KEYS_PER_BATCH_GET)) {
            List<Map<String, AttributeValue>> keys = chunk.stream().map(thing -> thingKey(thing, rolloutId)).toList();
            reads.add(getAll(Map.of(table, KeysAndAttributes.builder().keys(keys)
                    .consistentRead(true).projectionExpression("#thing, #wave, #page")
                    .expressionAttributeNames(Map.of("#thing", STATUS_SORT, "#wave", WAVE, "#page", PAGE)).build()), 1));
        }
        Map<String, Recorded> found = new HashMap<>();
        for (List<Map<String, AttributeValue>> items : awaitAll(reads)) {
            items.forEach(item -> found.put(item.get(STATUS_SORT).s(),
                    new Recorded((int) number(item, WAVE), text(item, PAGE))));
        }
        return found;
    }

    /**
     * Records things as WRITTEN with BatchWriteItem, then counts them in {@code written} under the token
     * of this recording, which every one of them carries in {@code page}. Returns once the items are
     * stored; the count is then under way, and the returned stage completes with it. A crash between the
     * two leaves items whose page was never counted: the page, repeated on resume, finds them and counts
     * them then ({@link #countPage}); the token makes sure that happens once.
     */
    CompletableFuture<Void> recordWritten(String rolloutId, int wave, List<String> things, Instant now, Instant due) {
        String page = newToken();
        List<WriteRequest> puts = new ArrayList<>();
        for (String thing : things) {
            Map<String, AttributeValue> item = new HashMap<>(thingKey(thing, rolloutId));
            item.put(STATUS_SORT, s(thing));
            item.put(WAVE, n(wave));
            item.put(STATUS, s(ThingStatus.WRITTEN.name()));
            item.put(STATUS_PARTITION, s(statusKey(rolloutId, ThingStatus.WRITTEN, shardOf(thing))));
            item.put(WRITTEN_AT, n(now.toEpochMilli()));
            item.put(DUE_SHARD, n(shardOf(thing)));
            item.put(DUE_AT, n(due.toEpochMilli()));
            item.put(PAGE, s(page));
            item.put(EXPIRES_AT, n(expiry(now)));
            puts.add(WriteRequest.builder().putRequest(p -> p.item(item)).build());
        }
        awaitAll(chunks(puts, ITEMS_PER_BATCH_WRITE).stream().map(chunk -> writeAll(Map.of(table, chunk), 1)).toList());
        // counted only once every item is stored, so that a count never runs ahead of its items
        return countPage(rolloutId, wave, page, things.size(), now);
    }

    // The batch calls of a page run side by side on the asynchronous client: recording a page costs three
    // round trips (read, write, count; the page's writes wait for the first two) instead of one per batch,
    // which would cap a rollout on DynamoDB's latency (fourteen calls of ~10 ms for a page of 250 things is
    // ~1,800 things/s).

    private CompletableFuture<List<Map<String, AttributeValue>>> getAll(Map<String, KeysAndAttributes> request,
            int attempt) {
        return async.batchGetItem(r -> r.requestItems(request)).thenCompose(response -> {
            List<Map<String, AttributeValue>> items = response.responses().getOrDefault(table, List.of());
            if (!response.hasUnprocessedKeys() || response.unprocessedKeys().isEmpty()) {
                return CompletableFuture.completedFuture(items);
            }
            return afterBackOff(attempt, () -> getAll(response.unprocessedKeys(), attempt + 1)).thenApply(more -> {
                List<Map<String, AttributeValue>> all = new ArrayList<>(items);
                all.addAll(more);
                return all;
            });
        });
    }

    private CompletableFuture<Void> writeAll(Map<String, List<WriteRequest>> request, int attempt) {
        return async.batchWriteItem(r -> r.requestItems(request)).thenCompose(response ->
                !response.hasUnprocessedItems() || response.unprocessedItems().isEmpty()
                        ? CompletableFuture.<Void>completedFuture(null)
                        : afterBackOff(attempt, () -> writeAll(response.unprocessedItems(), attempt + 1)));
    }

    private static <T> CompletableFuture<T> afterBackOff(int attempt, Supplier<CompletableFuture<T>> next) {
        return CompletableFuture.supplyAsync(() -> null,
                CompletableFuture.delayedExecutor(backOffMillis(attempt), TimeUnit.MILLISECONDS))
                .thenCompose(ignored -> next.get());
    }

    /** The results in order, once all are there; the first failure is thrown as it is. */
    private static <T> List<T> awaitAll(List<CompletableFuture<T>> calls) {
        try {
            CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get();
            return calls.stream().map(CompletableFuture::join).toList();
        } catch (InterruptedException e) {
            calls.forEach(call -> call.cancel(true));
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while recording a page", e);
        } catch (ExecutionException e) {
            throw Failures.unchecked(e);
        }
    }

    private static <T> List<List<T>> chunks(List<T> all, int size) {
        List<List<T>> chunks = new ArrayList<>();
        for (int from = 0; from < all.size(); from += size) {
            chunks.add(all.subList(from, Math.min(all.size(), from + size)));
        }
        return chunks;
    }

    /**
     * Adds a page recording's things to {@code written}, unless that recording was counted already; the
     * stage completes once the count is stored (or found taken), and fails when the call failed.
     */
    CompletableFuture<Void> countPage(String rolloutId, int wave, String page, long things, Instant now) {
        return async.updateItem(r -> r.tableName(table)
                        .key(counterKey(rolloutId, PAGES_PREFIX, wave, Math.floorMod(page.hashCode(), SHARDS)))
                        .updateExpression("ADD #written :things, #tokens :page SET #expires = :expires")
                        .conditionExpression("attribute_not_exists(#tokens) OR NOT contains(#tokens, :token)")
                        .expressionAttributeNames(Map.of("#written", ThingStatus.WRITTEN.counter, "#tokens", TOKENS,
                                "#expires", EXPIRES_AT))
                        .expressionAttributeValues(Map.of(":things", n(things), ":page", AttributeValue.fromSs(List.of(page)),
                                ":token", s(page), ":expires", n(expiry(now)))))
                .handle((done, error) -> {
                    if (error == null || Failures.cause(error) instanceof ConditionalCheckFailedException) {
                        return null; // counted now, or this recording was counted before
                    }
                    throw Failures.unchecked(error);
                });
    }

    // ---------------------------------------------------------------------------------------------
    // Moving a thing and counting the move exactly once
    // ---------------------------------------------------------------------------------------------

    /**
     * Moves a thing from the status it was read in to {@code to} and counts the move, in four
     * conditional writes (docs/rollout.md, "Convergence"):
     * <ol>
     * <li>the thing item moves, if it is still in the status read and no other count is pending on it,
     * and carries the pending count (from, to, a fresh token) with a repair deadline in the due index;</li>
     * <li>its counter shard adds the move, unless it holds the token already, and keeps the token;</li>
     * <li>the thing item lets go of the pending count (a NOT_WRITTEN one is deleted);</li>
     * <li>the counter shard lets go of the token.</li>
     * </ol>
     * A crash after step 1 leaves the pending count on the item; the sweep finds it by its repair deadline
     * and runs steps 2 to 4 ({@link #finishCounting}); the token keeps step 2 from counting twice.
     *
     * @return false when the thing is no longer in the status it was read in, or a count is pending on it
     */
    boolean move(ThingItem item, ThingStatus to, String error, Instant now) {
        ThingItem.Counting counting = new ThingItem.Counting(item.status(), to, newToken());
        Map<String, String> names = new HashMap<>(Map.of("#status", STATUS, "#statusKey", STATUS_PARTITION,
                "#at", AT, "#from", COUNT_FROM, "#to", COUNT_TO, "#token", COUNT_TOKEN, "#dueShard", DUE_SHARD,
                "#dueAt", DUE_AT));
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":read", s(item.status().name()),
                ":to", s(to.name()), ":statusKey", s(statusKey(item.rolloutId(), to, shardOf(item.thing()))),
                ":at", n(now.toEpochMilli()), ":from", s(item.status().name()), ":token", s(counting.token()),
                ":shard", n(shardOf(item.thing())), ":repair", n(now.plus(REPAIR_AFTER).toEpochMilli())));
        StringBuilder update = new StringBuilder("SET #status = :to, #statusKey = :statusKey, #at = :at, "
                + "#from = :from, #to = :to, #token = :token, #dueShard = :shard, #dueAt = :repair");
        names.put("#error", ERROR);
        if (to == ThingStatus.FAILED && error != null) {
            values.put(":error", s(error));
            update.append(", #error = :error");
        } else if (to == ThingStatus.APPLIED) {
            update.append(" REMOVE #error");
        } else {
            names.remove("#error");
        }
        try {
            dynamo.updateItem(r -> r.tableName(table).key(thingKey(item.thing(), item.rolloutId()))
                    .updateExpression(update.toString())
                    .conditionExpression("#status = :read AND attribute_not_exists(#token)")
                    .expressionAttributeNames(names).expressionAttributeValues(values));
        } catch (ConditionalCheckFailedException moved) {
            return false;
        }
        finishCounting(item.rolloutId(), item.thing(), item.wave(), counting, now);
        return true;
    }

    /** Steps 2 to 4 of {@link #move} for a thing whose move was not counted to the end (the sweep's repair). */
    void finishCounting(ThingItem item, Instant now) {
        finishCounting(item.rolloutId(), item.thing(), item.wave(), item.counting(), now);
    }

    private void finishCounting(String rolloutId, String thing, int wave, ThingItem.Counting counting, Instant now) {
        Map<String, AttributeValue> counter = counterKey(rolloutId, COUNT_PREFIX, wave, shardOf(thing));
        AttributeValue tokenSet = AttributeValue.fromSs(List.of(counting.token()));
        Map<String, String> names = new HashMap<>(Map.of("#tokens", TOKENS, "#expires", EXPIRES_AT));
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":tokens", tokenSet, ":token", s(counting.token()),
                ":expires", n(expiry(now))));
        List<String> adds = new ArrayList<>(List.of("#tokens :tokens"));
        counting.to().countsFrom(counting.from()).forEach((name, delta) -> {
            names.put("#" + name, name);
            values.put(":" + name, n(delta));
            adds.add("#" + name + " :" + name);
        });
        try {
            dynamo.updateItem(r -> r.tableName(table).key(counter)
                    .updateExpression("ADD " + String.join(", ", adds) + " SET #expires = :expires")
                    .conditionExpression("attribute_not_exists(#tokens) OR NOT contains(#tokens, :token)")
                    .expressionAttributeNames(names).expressionAttributeValues(values));
        } catch (ConditionalCheckFailedException counted) {
            // counted before a crash; the steps after it were not done
        }
        Map<String, String> itemNames = Map.of("#token", COUNT_TOKEN);
        Map<String, AttributeValue> itemValues = Map.of(":token", s(counting.token()));
        try {
            if (counting.to() == ThingStatus.NOT_WRITTEN) {
                dynamo.deleteItem(r -> r.tableName(table).key(thingKey(thing, rolloutId))
                        .conditionExpression("#token = :token")
                        .expressionAttributeNames(itemNames).expressionAttributeValues(itemValues));
            } else {
                dynamo.updateItem(r -> r.tableName(table).key(thingKey(thing, rolloutId))
                        .updateExpression("REMOVE #from, #to, #token, #dueShard, #dueAt")
                        .conditionExpression("#token = :token")
                        .expressionAttributeNames(Map.of("#from", COUNT_FROM, "#to", COUNT_TO, "#token", COUNT_TOKEN,
                                "#dueShard", DUE_SHARD, "#dueAt", DUE_AT))
                        .expressionAttributeValues(itemValues));
            }
        } catch (ConditionalCheckFailedException released) {
            // the sweep finished this count meanwhile
        }
        dynamo.updateItem(r -> r.tableName(table).key(counter).updateExpression("DELETE #tokens :tokens")
                .expressionAttributeNames(Map.of("#tokens", TOKENS)).expressionAttributeValues(Map.of(":tokens", tokenSet)));
    }

    // ---------------------------------------------------------------------------------------------
    // Reading
    // ---------------------------------------------------------------------------------------------

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
        List<String> counters = List.of(ThingStatus.WRITTEN.counter, ThingStatus.APPLIED.counter,
                ThingStatus.FAILED.counter, ThingStatus.TIMED_OUT.counter, ThingStatus.SUPERSEDED.counter);
        long[] sums = new long[counters.size()];
        Map<String, String> names = new HashMap<>(Map.of("#pk", LEDGER_PARTITION, "#sk", LEDGER_SORT));
        counters.forEach(counter -> names.put("#" + counter, counter));
        query(QueryRequest.builder().tableName(table).consistentRead(true)
                .keyConditionExpression("#pk = :pk")
                .projectionExpression("#sk, #written, #applied, #failed, #timedOut, #superseded")
                .expressionAttributeNames(names)
                .expressionAttributeValues(Map.of(":pk", s(ROLLOUT_PREFIX + rolloutId))).build(),
                item -> {
                    // sk is count#<wave>#<shard> or pages#<wave>#<shard>
                    String[] parts = item.get(LEDGER_SORT).s().split("#");
                    if (wave.isEmpty() || wave.get() == Integer.parseInt(parts[1])) {
                        for (int i = 0; i < counters.size(); i++) {
                            sums[i] += number(item, counters.get(i));
                        }
                    }
                });
        return new Convergence(sums[0], sums[1], sums[2], sums[3], sums[4]);
    }

    /**
     * Things of this shard due now, oldest first (from the sparse due index): WRITTEN things past their
     * confirm deadline, and moves whose count was not finished.
     */
    List<ThingItem> due(int shard, Instant now, int limit) {
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
        boolean more = things.size() == limit && shard < SHARDS;
        String next = more ? new Cursor(lastShard, things.get(things.size() - 1).thing()).encode() : null;
        return new Listing(things, next);
    }

    /** Where a listing goes on: after this thing of this shard. */
    record Cursor(int shard, String thing) {

        String encode() {
            return new PageCursor(shard, thing).encode();
        }

        static Cursor decode(String cursor) {
            PageCursor position = PageCursor.decode(cursor);
            if (position.number() >= SHARDS) {
                throw new PageCursor.Invalid(cursor);
            }
            return new Cursor((int) position.number(), position.name());
        }
    }

    private void query(QueryRequest first, Consumer<Map<String, AttributeValue>> each) {
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

    private static Map<String, AttributeValue> counterKey(String rolloutId, String prefix, int wave, int shard) {
        return Map.of(LEDGER_PARTITION, s(ROLLOUT_PREFIX + rolloutId), LEDGER_SORT, s(prefix + wave + "#" + shard));
    }

    private static Map<String, AttributeValue> thingKey(String thing, String rolloutId) {
        return Map.of(LEDGER_PARTITION, s(THING_PREFIX + thing), LEDGER_SORT, s(rolloutId));
    }

    private long expiry(Instant now) {
        return now.plus(retention).getEpochSecond();
    }

    private static String newToken() {
        return UUID.randomUUID().toString();
    }

    private static ThingItem toThing(Map<String, AttributeValue> item) {
        ThingItem.Counting counting = item.containsKey(COUNT_TOKEN)
                ? new ThingItem.Counting(ThingStatus.valueOf(text(item, COUNT_FROM)),
                        ThingStatus.valueOf(text(item, COUNT_TO)), text(item, COUNT_TOKEN))
                : null;
        // the rollout is the sort key; a thing that never moved reached its status when it was written
        return new ThingItem(item.get(STATUS_SORT).s(), item.get(LEDGER_SORT).s(), (int) number(item, WAVE),
                text(item, HASH), text(item, URL), ThingStatus.valueOf(item.get(STATUS).s()),
                Instant.ofEpochMilli(number(item, WRITTEN_AT)),
                Instant.ofEpochMilli(number(item, item.containsKey(AT) ? AT : WRITTEN_AT)),
                text(item, ERROR), text(item, PAGE), counting);
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

    private static long backOffMillis(int attempt) {
        return Math.min(1_000, 10L << Math.min(attempt, 6)) + ThreadLocalRandom.current().nextLong(10);
    }
}
