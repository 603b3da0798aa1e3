package io.shadowcast.rollout;

import static io.shadowcast.provision.TableProvisioner.ROLLOUT_KEY;
import static io.shadowcast.rollout.Attributes.n;
import static io.shadowcast.rollout.Attributes.num;
import static io.shadowcast.rollout.Attributes.s;
import static io.shadowcast.rollout.Attributes.str;

import io.shadowcast.config.RolloutConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jboss.logging.Logger;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * Newest upload wins: the ordering protocol of the rollouts that write one shadow slot (the shadow
 * name, since every upload writes the same {@code desired.s3}). The table is in docs/rollout.md,
 * "Ordering".
 *
 * <p>One item per slot in the rollout table ({@code id = slot:<shadow name>}) holds the newest upload
 * that entered the slot and the one writer allowed to write it, with a lease. Every change is a
 * conditional write: {@link #enter} reads the item and writes it back only if its revision did not
 * change meanwhile; the writer's renewal and release are conditional on still being the writer.
 *
 * <ol>
 * <li>A rollout enters after it hashed the object, when its targets are known. If a newer upload already
 * entered, it is superseded without writing anything.</li>
 * <li>Otherwise it becomes the newest. If nobody writes, or the writer gave up, or the writer's lease
 * expired (by more than {@code max-clock-skew} plus {@code write-attempt-timeout}), it becomes the writer.</li>
 * <li>While another rollout writes, it waits. If its targets cover the writer's (the same targets, or
 * every thing), it asks the writer to stop ({@code stopBy}); if not, it lets the writer finish, so that
 * the things only the older upload targets still get the older object.</li>
 * <li>The writer renews its lease about every second; a renewal fails once a newer rollout asked it to
 * stop, and it then stops handing out writes, lets the writes in flight end, records itself
 * {@code SUPERSEDED} and releases the slot. Between renewals it writes only while its {@link Fence} is
 * open: until its lease, measured on its own monotonic clock from the moment it sent the renewal. An
 * attempt started before then ends within {@code write-attempt-timeout}, which the next writer waits out
 * too. So no write of an older rollout lands after a newer one was let in.</li>
 * </ol>
 */
@ApplicationScoped
public class SlotLease {

    private static final Logger LOG = Logger.getLogger(SlotLease.class);

    static final String SLOT_PREFIX = "slot:";

    private static final String REVISION = "rev";
    private static final String NEWEST_ID = "newestId";
    private static final String NEWEST_TIME = "newestTime";
    private static final String NEWEST_OBJECT = "newestObject";
    private static final String NEWEST_SEQUENCER = "newestSequencer";
    private static final String WRITER = "writer";
    private static final String WRITER_ROLLOUT = "writerRollout";
    private static final String WRITER_TARGET = "writerTarget";
    private static final String WRITER_UNTIL = "writerUntil";
    private static final String STOP_BY = "stopBy";

    /** How entering ended. */
    public sealed interface Entry {

        /** This rollout is the slot's writer until it releases it. */
        record Writing(Writer writer) implements Entry {
        }

        /** A newer upload entered the slot first: this one must not write. */
        record Superseded(String by) implements Entry {
        }
    }

    /** What a renewal found. */
    public sealed interface Renewal {

        record Renewed() implements Renewal {
        }

        /** A newer rollout asked this writer to stop. */
        record Superseded(String by) implements Renewal {
        }

        /** This worker is no longer the writer (its lease expired and another took the slot). */
        record Lost() implements Renewal {
        }
    }

    /** Checked while waiting for the slot; throws {@link RolloutStoppedException} when the rollout must stop waiting. */
    @FunctionalInterface
    public interface StillWanted {
        void check();
    }

    /** A worker's right to write the slot, and the local deadline it writes by. */
    public static final class Writer {

        private final String slot;
        private final String owner;
        private final String rolloutId;
        private final Fence fence;

        Writer(String slot, String owner, String rolloutId, Fence fence) {
            this.slot = slot;
            this.owner = owner;
            this.rolloutId = rolloutId;
            this.fence = fence;
        }

        public Fence fence() {
            return fence;
        }

        public String rolloutId() {
            return rolloutId;
        }
    }

    /**
     * Open while this worker's writer lease surely holds, by its own monotonic clock: each write attempt
     * checks it, so that no attempt starts once the lease may have expired for the others.
     */
    public static final class Fence {

        private final long validNanos;
        private volatile long closesAt;
        private volatile boolean closed;

        Fence(long renewedAtNanos, Duration valid) {
            this.validNanos = valid.toNanos();
            this.closesAt = renewedAtNanos + validNanos;
        }

        public boolean isOpen() {
            return !closed && System.nanoTime() - closesAt < 0;
        }

        /**
         * Waits while the lease is only late for its renewal (a slow table under load), so that a late
         * renewal pauses the writes instead of failing them. False once the fence is closed for good, or
         * stayed shut for as long as the lease is valid.
         */
        public boolean awaitOpen() throws InterruptedException {
            long giveUp = System.nanoTime() + validNanos;
            while (!isOpen()) {
                if (closed || System.nanoTime() - giveUp > 0) {
                    return false;
                }
                Thread.sleep(10);
            }
            return true;
        }

        /**
         * The non-blocking form of {@link #awaitOpen} for a write that found the fence shut: true once it
         * is closed for good, or has stayed shut since {@code shutSinceNanos} for as long as the lease is
         * valid; false means ask again shortly.
         */
        public boolean givesUp(long shutSinceNanos) {
            return closed || System.nanoTime() - shutSinceNanos - validNanos > 0;
        }

        /** @param sentAtNanos when the renewal that succeeded was sent */
        synchronized void renewed(long sentAtNanos) {
            long next = sentAtNanos + validNanos;
            if (next - closesAt > 0) {
                closesAt = next;
            }
        }

        void close() {
            closed = true;
        }
    }

    /** The slot item as read. */
    private record Slot(long revision, UploadOrder newest, String writer, String writerRollout, String writerTarget,
            long writerUntil, String stopBy) {

        static final Slot EMPTY = new Slot(-1, null, null, null, null, 0, null);

        boolean exists() {
            return revision >= 0;
        }
    }

    private final DynamoDbClient dynamo;
    private final String table;
    private final Duration lease;
    private final Duration takeOverAfter;
    private final Duration pollEvery;
    private final Clock clock;

    @Inject
    SlotLease(DynamoDbClient dynamo, RolloutConfig config) {
        this.dynamo = dynamo;
        this.table = config.table();
        this.lease = config.lease();
        // a writer that stopped renewing may still have one attempt in flight, sent just before its fence closed
        this.takeOverAfter = config.maxClockSkew().plus(config.writeAttemptTimeout());
        this.pollEvery = renewEvery(lease);
        this.clock = Clock.systemUTC();
    }

    /** How often a writer renews its lease (and a waiting rollout looks at the slot): a third of it, at most a second. */
    static Duration renewEvery(Duration lease) {
        Duration third = lease.dividedBy(3);
        return third.compareTo(Duration.ofSeconds(1)) < 0 ? third : Duration.ofSeconds(1);
    }

    /** The slot of a shadow: the classic shadow when {@code shadowName} is null. */
    public static String slotOf(String shadowName) {
        return SLOT_PREFIX + Objects.requireNonNullElse(shadowName, "");
    }

    /**
     * Enters the slot and returns once this rollout may write it, or once a newer upload makes it
     * superseded. Waits while another rollout writes the slot.
     *
     * @param owner  this worker's claim on the rollout; only this worker may write with the returned writer
     * @param target the rollout's targets in words ({@link Targeting#describe()})
     */
    public Entry enter(String slot, UploadOrder me, String owner, String target, StillWanted stillWanted)
            throws InterruptedException {
        boolean waitingLogged = false;
        while (true) {
            Slot current = read(slot);
            if (current.newest() != null && current.newest().isNewerThan(me)) {
                return new Entry.Superseded(current.newest().rolloutId());
            }
            long now = clock.millis();
            boolean free = current.writer() == null || current.writerUntil() + takeOverAfter.toMillis() < now;
            if (free) {
                long sent = System.nanoTime();
                if (takeWriter(slot, current, me, owner, target, now)) {
                    if (current.writer() != null) {
                        LOG.infof("Rollout %s took slot %s over from rollout %s, whose writer lease expired",
                                me.rolloutId(), slot, current.writerRollout());
                    }
                    return new Entry.Writing(new Writer(slot, owner, me.rolloutId(), new Fence(sent, lease)));
                }
                continue;
            }
            boolean asksToStop = covers(target, current.writerTarget()) && current.stopBy() == null;
            boolean becomesNewest = current.newest() == null || !current.newest().rolloutId().equals(me.rolloutId());
            if (asksToStop || becomesNewest) {
                if (!queueBehindWriter(slot, current, me, asksToStop)) {
                    continue;
                }
            }
            if (!waitingLogged) {
                LOG.infof("Rollout %s waits for rollout %s to %s slot %s", me.rolloutId(), current.writerRollout(),
                        asksToStop || me.rolloutId().equals(current.stopBy()) ? "stop writing" : "finish writing", slot);
                waitingLogged = true;
            }
            stillWanted.check();
            Thread.sleep(pollEvery.toMillis());
        }
    }

    /**
     * Takes the writer role for a short write outside a rollout's own pass (a thing that joined the
     * targets later, a sweep), on behalf of rollout {@code rolloutId}, without entering the slot: the
     * newest upload stays as it is. Waits while any rollout writes the slot, so that no such write lands
     * between the writes of a rollout, and a newer rollout that enters meanwhile waits for it in turn
     * (the caller checks, holding the role, that its rollout is still the one to write). The caller
     * renews the role with {@link #renew} if it holds it for long, and always releases it.
     *
     * @param target the rollout's targets in words, so that a newer rollout covering them asks it to stop
     */
    public Writer borrow(String slot, String rolloutId, String owner, String target, StillWanted stillWanted)
            throws InterruptedException {
        while (true) {
            Slot current = read(slot);
            long now = clock.millis();
            if (current.writer() == null || current.writerUntil() + takeOverAfter.toMillis() < now) {
                long sent = System.nanoTime();
                Map<String, AttributeValue> values = new HashMap<>();
                if (compareAndSet(slot, current, "SET " + setWriter(values, owner, rolloutId, target, now), " REMOVE #stopBy",
                        values)) {
                    return new Writer(slot, owner, rolloutId, new Fence(sent, lease));
                }
                continue;
            }
            stillWanted.check();
            Thread.sleep(pollEvery.toMillis());
        }
    }

    /** The rollout of the newest upload that entered the slot, if any did. */
    public Optional<String> newestRollout(String slot) {
        return Optional.ofNullable(read(slot).newest()).map(UploadOrder::rolloutId);
    }

    /** Extends the writer's lease unless a newer rollout asked it to stop or it lost the slot. */
    public Renewal renew(Writer writer) {
        long sent = System.nanoTime();
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":me", s(writer.owner),
                ":until", n(clock.millis() + lease.toMillis()), ":one", n(1)));
        try {
            update(writer.slot, "SET #writerUntil = :until ADD #rev :one",
                    "#writer = :me AND attribute_not_exists(#stopBy)", values);
            writer.fence.renewed(sent);
            return new Renewal.Renewed();
        } catch (ConditionalCheckFailedException e) {
            Slot current = read(writer.slot);
            // either way no further attempt may start: writes in their backoff are dropped, not retried
            writer.fence.close();
            if (writer.owner.equals(current.writer()) && current.stopBy() != null) {
                return new Renewal.Superseded(current.stopBy());
            }
            return new Renewal.Lost();
        }
    }

    /**
     * Gives the slot up. With {@code drained} (no write of this worker is in flight any more) the next
     * rollout may write at once; otherwise its lease ends now, and the next rollout waits out the clock
     * skew and one write attempt's timeout, by when the attempts in flight have surely ended.
     */
    public void release(Writer writer, boolean drained) {
        writer.fence.close();
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":me", s(writer.owner), ":one", n(1)));
        String update;
        if (drained) {
            update = "REMOVE #writer, #writerRollout, #writerTarget, #writerUntil, #stopBy ADD #rev :one";
        } else {
            values.put(":until", n(clock.millis()));
            update = "SET #writerUntil = :until ADD #rev :one";
        }
        try {
            update(writer.slot, update, "#writer = :me", values);
        } catch (ConditionalCheckFailedException notOurs) {
            // its lease expired and another rollout took the slot: nothing to give up
        }
    }

    /** True when no newer upload than this one entered the slot. */
    public boolean isNewest(String slot, UploadOrder order) {
        Slot current = read(slot);
        return current.newest() == null || !current.newest().isNewerThan(order);
    }

    /** A newer rollout stops an older writer only when it writes every thing the older one would. */
    static boolean covers(String newerTarget, String olderTarget) {
        return newerTarget.equals(olderTarget) || newerTarget.equals(Targeting.Fleet.ALL.describe());
    }

    private boolean takeWriter(String slot, Slot current, UploadOrder me, String owner, String target, long now) {
        Map<String, AttributeValue> values = newestValues(me);
        return compareAndSet(slot, current, newestSet(me) + ", " + setWriter(values, owner, me.rolloutId(), target, now),
                " REMOVE #stopBy" + newestRemove(me, ","), values);
    }

    /** The SET clause (without {@code SET}) that makes {@code owner} the writer for a lease from {@code now}; fills its values. */
    private String setWriter(Map<String, AttributeValue> values, String owner, String rolloutId, String target, long now) {
        values.put(":writer", s(owner));
        values.put(":writerRollout", s(rolloutId));
        values.put(":writerTarget", s(target));
        values.put(":writerUntil", n(now + lease.toMillis()));
        return "#writer = :writer, #writerRollout = :writerRollout, #writerTarget = :writerTarget, #writerUntil = :writerUntil";
    }

    private boolean queueBehindWriter(String slot, Slot current, UploadOrder me, boolean asksToStop) {
        Map<String, AttributeValue> values = newestValues(me);
        String set = newestSet(me);
        if (asksToStop) {
            values.put(":stopBy", s(me.rolloutId()));
            set += ", #stopBy = :stopBy";
        }
        return compareAndSet(slot, current, set, newestRemove(me, " REMOVE"), values);
    }

    private static String newestSet(UploadOrder me) {
        return "SET #newestId = :newestId, #newestTime = :newestTime, #newestObject = :newestObject"
                + (me.sequencer() == null ? "" : ", #newestSequencer = :newestSequencer");
    }

    /** An upload without a sequencer must not inherit the one of the upload it replaces as the newest. */
    private static String newestRemove(UploadOrder me, String lead) {
        return me.sequencer() == null ? lead + " #newestSequencer" : "";
    }

    private static Map<String, AttributeValue> newestValues(UploadOrder me) {
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":newestId", s(me.rolloutId()));
        values.put(":newestTime", s(me.eventTime().toString()));
        values.put(":newestObject", s(me.object()));
        if (me.sequencer() != null) {
            values.put(":newestSequencer", s(me.sequencer()));
        }
        return values;
    }

    /** Writes the item if its revision is still the one read; false when another replica changed it meanwhile. */
    private boolean compareAndSet(String slot, Slot read, String set, String remove, Map<String, AttributeValue> values) {
        values.put(":one", n(1));
        String condition = read.exists() ? "#rev = :read" : "attribute_not_exists(#rev)";
        if (read.exists()) {
            values.put(":read", n(read.revision()));
        }
        try {
            update(slot, set + remove + " ADD #rev :one", condition, values);
            return true;
        } catch (ConditionalCheckFailedException changed) {
            return false;
        }
    }

    private void update(String slot, String update, String condition, Map<String, AttributeValue> values) {
        dynamo.updateItem(r -> r.tableName(table).key(Map.of(ROLLOUT_KEY, s(slot)))
                .updateExpression(update).conditionExpression(condition)
                .expressionAttributeNames(namesUsedIn(update + " " + condition))
                .expressionAttributeValues(values));
    }

    /** Every attribute of the slot item is written as {@code #name}; only those an expression uses may be passed. */
    private static Map<String, String> namesUsedIn(String expression) {
        Map<String, String> names = new HashMap<>();
        for (String name : new String[] {REVISION, NEWEST_ID, NEWEST_TIME, NEWEST_OBJECT, NEWEST_SEQUENCER, WRITER,
                WRITER_ROLLOUT, WRITER_TARGET, WRITER_UNTIL, STOP_BY}) {
            if (expression.matches("(?s).*#" + name + "\\b.*")) {
                names.put("#" + name, name);
            }
        }
        return names;
    }

    private Slot read(String slot) {
        var response = dynamo.getItem(r -> r.tableName(table).key(Map.of(ROLLOUT_KEY, s(slot))).consistentRead(true));
        if (!response.hasItem() || response.item().isEmpty()) {
            return Slot.EMPTY;
        }
        Map<String, AttributeValue> item = response.item();
        UploadOrder newest = str(item, NEWEST_ID) == null ? null
                : new UploadOrder(str(item, NEWEST_ID), Instant.parse(str(item, NEWEST_TIME)), str(item, NEWEST_OBJECT),
                        str(item, NEWEST_SEQUENCER));
        return new Slot(num(item, REVISION), newest, str(item, WRITER), str(item, WRITER_ROLLOUT),
                str(item, WRITER_TARGET), num(item, WRITER_UNTIL), str(item, STOP_BY));
    }
}
