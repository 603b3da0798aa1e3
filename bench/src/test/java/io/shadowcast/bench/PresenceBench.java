package io.shadowcast.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.shadowcast.aws.QueueUrls;
import io.shadowcast.config.PresenceConfig;
import io.shadowcast.presence.AlertText;
import io.shadowcast.presence.CheckSource;
import io.shadowcast.presence.CheckStore;
import io.shadowcast.presence.DuePoller;
import io.shadowcast.presence.Notifier;
import io.shadowcast.presence.PresenceCounters;
import io.shadowcast.presence.ShadowVerifier;
import io.shadowcast.provision.TableProvisioner;
import io.shadowcast.testing.MovableClock;
import jakarta.inject.Inject;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.stream.IntStream;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iotdataplane.IotDataPlaneClient;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * Disconnect-watch throughput and cost on the emulator (see bench/README.md).
 * <ol>
 * <li>Ingest: N shadow-rule disconnect events sent to the presence queue and turned into checks by the
 * application's consumer: events/s end to end.</li>
 * <li>Drain: the N checks made due and worked off by one poller (half the things reconnected, half
 * still down): checks/s, and DynamoDB calls per check counted on the poller's own client.</li>
 * <li>Scale: 1,000 due checks drained from a table that also holds P pending (not yet due) checks,
 * for each P: calls per check must not grow with P. Baseline in the same run: what one Scan-based
 * poll (the plain alternative to the index) reads from the same table.</li>
 * </ol>
 */
@QuarkusTest
@TestProfile(PresenceBenchProfile.class)
class PresenceBench {

    private static final int EVENTS = Integer.getInteger("bench.events", 10_000);
    private static final String PENDING = System.getProperty("bench.pending", "1000,100000");
    private static final int DUE_PER_SCALE_RUN = 1_000;
    /** Events sent but not yet consumed, at most. */
    private static final int WINDOW = 200;

    @Inject SqsClient sqs;
    @Inject SnsClient sns;
    @Inject IotClient iot;
    @Inject IotDataPlaneClient iotData;
    @Inject QueueUrls queueUrls;
    @Inject PresenceConfig config;
    @Inject CheckStore appStore;
    @Inject PresenceCounters appCounters;
    @Inject TableProvisioner tables;
    @Inject ObjectMapper json;
    @ConfigProperty(name = "shadowcast.local.endpoint") URI endpoint;

    private final ExecutorService setup = Executors.newFixedThreadPool(8);
    private final CallCounter calls = new CallCounter();

    @Test
    void presence() throws Exception {
        DynamoDbClient counted = DynamoDbClient.builder()
                .endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .overrideConfiguration(c -> c.addExecutionInterceptor(calls))
                .build();
        String topic = sns.createTopic(r -> r.name("bench-" + UUID.randomUUID())).topicArn();
        Notifier notifier = new Notifier(sns, () -> topic, new AlertText(ZoneOffset.UTC));
        ShadowVerifier verifier = new ShadowVerifier(iotData, json);
        List<String> report = new ArrayList<>();

        // 1. ingest ------------------------------------------------------------------------------
        String prefix = "bench-" + UUID.randomUUID().toString().substring(0, 6);
        log("setting up %d things with shadows (half will reconnect)...", EVENTS);
        long[] timestamps = things(prefix, EVENTS);
        String queue = queueUrls.urlOf(config.queue());
        long scheduledBefore = appCounters.scheduled();
        long start = System.nanoTime();
        sendPaced(queue, prefix, timestamps, () -> appCounters.scheduled() - scheduledBefore);
        while (appCounters.scheduled() - scheduledBefore < EVENTS) {
            Thread.sleep(20);
        }
        double ingestSeconds = seconds(start);
        double baseline = bareQueueRate(EVENTS);
        report.add(String.format("ingest: %,d disconnect events through the queue in %.1f s = %.0f events/s "
                        + "(baseline, bare SQS send/receive/delete on the same emulator: %.0f messages/s; ratio %.2f)",
                EVENTS, ingestSeconds, EVENTS / ingestSeconds, baseline, EVENTS / ingestSeconds / baseline));
        log(report.get(report.size() - 1));
        for (int i = 0; i < EVENTS; i += 2) {
            reconnect(prefix + "-" + i); // even things come back before their check is due
        }

        // 2. drain ------------------------------------------------------------------------------
        MovableClock clock = new MovableClock();
        clock.advance(config.grace().plusMinutes(1));
        CheckStore store = new CheckStore(counted, CheckStore.Settings.of(config), clock);
        DuePoller poller = DuePoller.standalone(store, verifier, notifier, DuePoller.Settings.of(config), clock);
        calls.reset();
        start = System.nanoTime();
        long cpuBefore = processCpuNanos();
        DuePoller.Report drained = poller.poll();
        double drainSeconds = seconds(start);
        // this JVM's CPU (poller, its shadow reads on the data-plane client, DynamoDB and SNS calls); moto runs apart
        double cpuMillisPerCheck = (processCpuNanos() - cpuBefore) / 1e6 / Math.max(1, drained.claimed());
        poller.close();
        report.add(String.format("drain: %,d due checks (%,d alerts, %,d suppressed) in %.1f s = %.0f checks/s; "
                        + "DynamoDB calls per check %.3f %s; %.3f ms of CPU per verified check",
                drained.claimed(), drained.notified(), drained.suppressed(), drainSeconds,
                drained.claimed() / drainSeconds, (double) calls.total() / drained.claimed(), calls.byOperation(),
                cpuMillisPerCheck));
        log(report.get(report.size() - 1));
        assertThat(drained.claimed()).isGreaterThanOrEqualTo(EVENTS);
        assertThat(drained.suppressed()).isGreaterThanOrEqualTo(EVENTS / 2);

        // 3. scale ------------------------------------------------------------------------------
        for (String size : PENDING.split(",")) {
            report.add(scale(counted, verifier, notifier, Integer.parseInt(size.strip())));
            log(report.get(report.size() - 1));
        }

        System.out.println("\n==== presence benchmark ====");
        report.forEach(System.out::println);
        System.out.println("============================\n");
        setup.shutdownNow();
    }

    /** Creates the things with a disconnected shadow; returns each shadow's connected timestamp. */
    private long[] things(String prefix, int count) throws Exception {
        long[] timestamps = new long[count];
        List<Future<?>> work = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int index = i;
            work.add(setup.submit(() -> {
                String thing = prefix + "-" + index;
                iot.createThing(r -> r.thingName(thing));
                String body = iotData.updateThingShadow(r -> r.thingName(thing).payload(
                        SdkBytes.fromUtf8String("{\"state\":{\"reported\":{\"connected\":false}}}"))).payload().asUtf8String();
                timestamps[index] = json.readTree(body).path("metadata").path("reported").path("connected")
                        .path("timestamp").asLong();
                return null;
            }));
        }
        for (Future<?> future : work) {
            future.get();
        }
        return timestamps;
    }

    /**
     * Sends the events in batches of 10, keeping at most {@code WINDOW} of them sent but not yet
     * consumed: the emulator's SQS walks the whole queue on every receive and delete, so a deep queue
     * would measure the emulator rather than the service. A real queue has no such cost.
     */
    private void sendPaced(String queue, String prefix, long[] timestamps, LongSupplier consumed) throws Exception {
        for (int from = 0; from < timestamps.length; from += 10) {
            while (from - consumed.getAsLong() >= WINDOW) {
                Thread.sleep(2);
            }
            int first = from;
            List<SendMessageBatchRequestEntry> entries = IntStream.range(first, Math.min(first + 10, timestamps.length))
                    .mapToObj(i -> SendMessageBatchRequestEntry.builder().id(Integer.toString(i))
                            .messageBody("{\"thingName\":\"" + prefix + "-" + i + "\",\"connected\":false,"
                                    + "\"timestamp\":" + timestamps[i] + "}")
                            .build())
                    .toList();
            sqs.sendMessageBatch(r -> r.queueUrl(queue).entries(entries));
        }
    }

    /**
     * Baseline: the same number of messages through a fresh queue with the same pacing, received and
     * batch-deleted by one loop that does nothing else. What the emulator's SQS allows at best.
     */
    private double bareQueueRate(int count) throws Exception {
        String queue = sqs.createQueue(r -> r.queueName("bench-baseline-" + UUID.randomUUID())).queueUrl();
        LongAdder received = new LongAdder();
        long start = System.nanoTime();
        Future<?> receiver = setup.submit(() -> {
            while (received.sum() < count) {
                var messages = sqs.receiveMessage(r -> r.queueUrl(queue).maxNumberOfMessages(10).waitTimeSeconds(1))
                        .messages();
                if (!messages.isEmpty()) {
                    List<DeleteMessageBatchRequestEntry> entries = IntStream.range(0, messages.size())
                            .mapToObj(i -> DeleteMessageBatchRequestEntry.builder().id(Integer.toString(i))
                                    .receiptHandle(messages.get(i).receiptHandle()).build())
                            .toList();
                    sqs.deleteMessageBatch(r -> r.queueUrl(queue).entries(entries));
                    received.add(messages.size());
                }
            }
            return null;
        });
        sendPaced(queue, "baseline", new long[count], received::sum);
        receiver.get();
        double rate = count / seconds(start);
        sqs.deleteQueue(r -> r.queueUrl(queue));
        return rate;
    }

    private void reconnect(String thing) {
        iotData.updateThingShadow(r -> r.thingName(thing)
                .payload(SdkBytes.fromUtf8String("{\"state\":{\"reported\":{\"connected\":true}}}")));
    }

    /**
     * A fresh table with {@code pending} checks not yet due plus 1,000 due ones (things without a
     * shadow, so each one alerts); one poller drains the due ones.
     */
    private String scale(DynamoDbClient counted, ShadowVerifier verifier, Notifier notifier, int pending)
            throws Exception {
        CheckStore.Settings settings = new CheckStore.Settings("bench-" + pending + "-" + UUID.randomUUID(),
                config.shards(), config.grace(), config.claimLease(), config.retention());
        tables.checksTable(settings.table());
        MovableClock clock = new MovableClock();
        CheckStore store = new CheckStore(counted, settings, clock);
        log("loading %,d pending checks into %s...", pending, settings.table());
        fill(counted, store, settings.table(), pending);
        Instant disconnectedAt = clock.instant();
        for (int i = 0; i < DUE_PER_SCALE_RUN; i++) {
            store.schedule("due-" + i, disconnectedAt, CheckSource.LIFECYCLE, Optional.empty());
        }
        clock.advance(settings.grace().plusMinutes(1));
        DuePoller poller = DuePoller.standalone(store, verifier, notifier, DuePoller.Settings.of(config), clock);
        calls.reset();
        long start = System.nanoTime();
        DuePoller.Report drained = poller.poll();
        double seconds = seconds(start);
        Map<String, Long> byOperation = calls.byOperation();
        long total = calls.total();
        poller.close();
        assertThat(drained.notified()).isEqualTo(DUE_PER_SCALE_RUN);

        // Baseline: the due checks found by one Scan of the table instead of the index.
        long baselineStart = System.nanoTime();
        long scanned = 0;
        long scanCalls = 0;
        long due = 0;
        Map<String, AttributeValue> startKey = null;
        do {
            Map<String, AttributeValue> from = startKey;
            var page = counted.scan(r -> r.tableName(settings.table()).exclusiveStartKey(from)
                    .filterExpression("#d <= :now").expressionAttributeNames(Map.of("#d", TableProvisioner.DUE_AT))
                    .expressionAttributeValues(Map.of(":now", AttributeValue.fromN(Long.toString(clock.millis())))));
            scanned += page.scannedCount();
            due += page.count();
            scanCalls++;
            startKey = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (startKey != null);
        double scanSeconds = seconds(baselineStart);
        return String.format("scale: %,d pending + %,d due: %.3f DynamoDB calls per check %s, %.2f ms per check; "
                        + "baseline Scan-based poll of the same table: %,d calls reading %,d items (%.0f per due item) in %.1f s",
                pending, DUE_PER_SCALE_RUN, (double) total / drained.claimed(), byOperation,
                seconds * 1000 / drained.claimed(), scanCalls, scanned, (double) scanned / Math.max(1, due + DUE_PER_SCALE_RUN),
                scanSeconds);
    }

    /** Pending checks due in a week, spread over the shards as real ones are, written 25 at a time. */
    private void fill(DynamoDbClient dynamo, CheckStore store, String table, int count) throws Exception {
        long dueAt = Instant.now().plus(Duration.ofDays(7)).toEpochMilli();
        List<Future<?>> work = new ArrayList<>();
        for (int from = 0; from < count; from += 25) {
            int first = from;
            work.add(setup.submit(() -> {
                List<WriteRequest> writes = new ArrayList<>();
                for (int i = first; i < Math.min(first + 25, count); i++) {
                    String thing = "pending-" + i;
                    Map<String, AttributeValue> item = new HashMap<>();
                    item.put(TableProvisioner.CHECK_KEY, AttributeValue.fromS(thing));
                    item.put("disconnectedAt", AttributeValue.fromN(Long.toString(dueAt - 300_000)));
                    item.put(TableProvisioner.DUE_AT, AttributeValue.fromN(Long.toString(dueAt + i)));
                    item.put(TableProvisioner.DUE_SHARD, AttributeValue.fromN(Integer.toString(store.shardOf(thing))));
                    item.put("source", AttributeValue.fromS("LIFECYCLE"));
                    writes.add(WriteRequest.builder().putRequest(PutRequest.builder().item(item).build()).build());
                }
                var left = dynamo.batchWriteItem(r -> r.requestItems(Map.of(table, writes))).unprocessedItems();
                while (left != null && !left.isEmpty()) {
                    var retry = left;
                    left = dynamo.batchWriteItem(r -> r.requestItems(retry)).unprocessedItems();
                }
                return null;
            }));
        }
        for (Future<?> future : work) {
            future.get();
        }
    }

    private static long processCpuNanos() {
        return ProcessHandle.current().info().totalCpuDuration().orElseThrow().toNanos();
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private static void log(String format, Object... args) {
        System.out.println("[bench] " + String.format(format, args));
    }
}
