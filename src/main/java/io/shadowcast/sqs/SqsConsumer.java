package io.shadowcast.sqs;

import io.shadowcast.concurrent.DaemonThreads;
import io.shadowcast.config.SqsConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jboss.logging.Logger;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * One long-poll consumer loop over one queue, shared by every feature.
 *
 * <ul>
 * <li>Receives up to 10 messages per call, never more than it has free handler slots, so a slow
 * message does not hold back the rest and nothing waits in memory beyond its visibility.</li>
 * <li>Runs each message's handler on a bounded pool and renews the visibility of messages still
 * being handled, so a rollout that takes longer than the visibility timeout is not redelivered.</li>
 * <li>Deletes in batches, only after the handler returned.</li>
 * <li>Leaves failures on the queue: a poison message is made visible at once so the redrive policy
 * moves it to the DLQ quickly; any other failure waits for its visibility timeout.</li>
 * <li>Sends a message whose work another worker holds ({@link ComeBackLaterException}) again, due after
 * the visibility timeout, and deletes it: waiting is no failure and must not reach the DLQ.</li>
 * <li>Backs off exponentially while SQS cannot be reached, logging the outage once.</li>
 * <li>On close stops receiving, lets running handlers finish within the grace period, interrupts the
 * rest and makes their messages visible again for another replica.</li>
 * </ul>
 */
public final class SqsConsumer implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(SqsConsumer.class);
    private static final int MAX_BATCH = 10;
    /** The longest delay SQS gives a message. */
    private static final int MAX_DELAY_SECONDS = 900;

    private final String name;
    private final SqsClient sqs;
    private final Supplier<String> queueUrlLookup;
    private final MessageHandler handler;
    private final SqsConfig config;
    private final Semaphore slots;
    private final int concurrency;
    private final ExecutorService workers;
    private final ScheduledExecutorService housekeeping;
    private final Map<String, Message> inFlight = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Message> toDelete = new ConcurrentLinkedQueue<>();
    /** Messages whose handler was stopped by close(): handed back to the queue at once, not after their visibility timeout. */
    private final ConcurrentLinkedQueue<Message> interrupted = new ConcurrentLinkedQueue<>();
    private final ConsumerStats stats = new ConsumerStats();
    private final Thread poller;
    private volatile boolean running;
    private volatile String queueUrl;
    private volatile String lastError;

    /**
     * @param queueUrlLookup resolves the queue URL; called from the poll thread and retried with backoff,
     *                       so an unreachable endpoint at start delays consumption instead of failing start-up
     */
    public SqsConsumer(String name, SqsClient sqs, Supplier<String> queueUrlLookup, MessageHandler handler,
            SqsConfig config, int concurrency) {
        this.name = name;
        this.sqs = sqs;
        this.queueUrlLookup = queueUrlLookup;
        this.handler = handler;
        this.config = config;
        this.concurrency = concurrency;
        this.slots = new Semaphore(concurrency);
        this.workers = Executors.newFixedThreadPool(concurrency, DaemonThreads.named(name + "-handler"));
        this.housekeeping = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named(name + "-housekeeping"));
        this.poller = DaemonThreads.named(name + "-poller").newThread(this::pollLoop);
    }

    public SqsConsumer start() {
        running = true;
        poller.start();
        long renewEvery = Math.max(1, config.visibilityTimeout().toMillis() / 3);
        housekeeping.scheduleWithFixedDelay(this::renewVisibility, renewEvery, renewEvery, TimeUnit.MILLISECONDS);
        housekeeping.scheduleWithFixedDelay(this::flushDeletes, 200, 200, TimeUnit.MILLISECONDS);
        LOG.infof("Consumer %s started (%d handler slots)", name, concurrency);
        return this;
    }

    public String name() {
        return name;
    }

    public ConsumerStats stats() {
        return stats;
    }

    /** The message of the last failed SQS call while the queue is unreachable, otherwise null. */
    public String lastError() {
        return lastError;
    }

    public int inFlight() {
        return inFlight.size();
    }

    private void pollLoop() {
        Duration backoff = config.initialBackoff();
        while (running) {
            try {
                slots.acquire();
                int free = 1;
                while (free < MAX_BATCH && slots.tryAcquire()) {
                    free++;
                }
                List<Message> messages;
                try {
                    messages = receive(free);
                } finally {
                    // give back what this batch does not use; each dispatched message keeps one slot
                    slots.release(free);
                }
                if (lastError != null) {
                    LOG.infof("Consumer %s: queue reachable again", name);
                    lastError = null;
                }
                backoff = config.initialBackoff();
                for (Message message : messages) {
                    dispatch(message);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (SdkException e) {
                if (!running) {
                    return; // the receive was interrupted by close()
                }
                stats.receiveErrors.incrementAndGet();
                if (lastError == null) {
                    LOG.warnf("Consumer %s cannot receive (%s); retrying with backoff up to %s",
                            name, e.getMessage(), config.maxBackoff());
                } else {
                    LOG.debugf("Consumer %s still cannot receive: %s", name, e.getMessage());
                }
                lastError = String.valueOf(e.getMessage());
                if (!sleep(backoff)) {
                    return;
                }
                backoff = min(backoff.multipliedBy(2), config.maxBackoff());
            }
        }
    }

    private List<Message> receive(int max) {
        if (queueUrl == null) {
            queueUrl = queueUrlLookup.get();
        }
        return sqs.receiveMessage(r -> r.queueUrl(queueUrl)
                .maxNumberOfMessages(max)
                .waitTimeSeconds((int) config.waitTime().toSeconds())
                .visibilityTimeout((int) config.visibilityTimeout().toSeconds())
                .messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)
                .messageAttributeNames("All"))
                .messages();
    }

    private void dispatch(Message message) throws InterruptedException {
        slots.acquire();
        stats.received.incrementAndGet();
        inFlight.put(message.messageId(), message);
        workers.execute(() -> {
            try {
                handler.handle(message);
                toDelete.add(message);
            } catch (PoisonMessageException e) {
                stats.poison.incrementAndGet();
                logPoison(message, e);
                makeVisible(List.of(message));
            } catch (ComeBackLaterException e) {
                sendAgainLater(message, e);
            } catch (Exception e) {
                if (running) {
                    stats.failed.incrementAndGet();
                    LOG.warnf(e, "Consumer %s: message %s failed (receive %s); it stays on the queue for a retry",
                            name, message.messageId(), receiveCount(message));
                } else {
                    // stopped by close(), which releases it for another replica
                    LOG.infof("Consumer %s: message %s stopped by shutdown (%s)", name, message.messageId(), e);
                    interrupted.add(message);
                }
            } finally {
                inFlight.remove(message.messageId());
                slots.release();
            }
            if (toDelete.size() >= MAX_BATCH) {
                flushDeletes();
            }
        });
    }

    /**
     * Sends a copy of the message, due after the visibility timeout (when it would have come back), and then
     * deletes this one: the copy starts its receive count afresh. Should the copy not be sent, the message
     * stays and comes back as a failed one would.
     */
    private void sendAgainLater(Message message, ComeBackLaterException why) {
        int delaySeconds = (int) Math.min(MAX_DELAY_SECONDS, config.visibilityTimeout().toSeconds());
        try {
            String copy = sqs.sendMessage(r -> r.queueUrl(queueUrl).messageBody(message.body())
                    .messageAttributes(message.messageAttributes()).delaySeconds(delaySeconds)).messageId();
            stats.sentAgain.incrementAndGet();
            LOG.infof("Consumer %s: message %s comes back in %d s as message %s: %s", name, message.messageId(),
                    delaySeconds, copy, why.getMessage());
            toDelete.add(message);
        } catch (SdkException e) {
            stats.failed.incrementAndGet();
            LOG.warnf("Consumer %s: message %s (%s) could not be sent again (%s); it stays on the queue for a retry",
                    name, message.messageId(), why.getMessage(), e.getMessage());
        }
    }

    private void logPoison(Message message, PoisonMessageException e) {
        String count = receiveCount(message);
        if ("1".equals(count)) {
            LOG.warnf("Consumer %s: message %s rejected: %s. It is left to the queue's redrive policy (DLQ).",
                    name, message.messageId(), e.getMessage());
        } else {
            LOG.debugf("Consumer %s: message %s rejected again (receive %s): %s",
                    name, message.messageId(), count, e.getMessage());
        }
    }

    private static String receiveCount(Message message) {
        return message.attributes().getOrDefault(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT, "?");
    }

    private synchronized void flushDeletes() {
        List<Message> batch = new ArrayList<>(MAX_BATCH);
        Message next;
        while ((next = toDelete.poll()) != null) {
            batch.add(next);
            if (batch.size() == MAX_BATCH) {
                deleteBatch(batch);
                batch = new ArrayList<>(MAX_BATCH);
            }
        }
        if (!batch.isEmpty()) {
            deleteBatch(batch);
        }
    }

    private void deleteBatch(List<Message> batch) {
        try {
            List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>(batch.size());
            for (int i = 0; i < batch.size(); i++) {
                entries.add(DeleteMessageBatchRequestEntry.builder()
                        .id(Integer.toString(i)).receiptHandle(batch.get(i).receiptHandle()).build());
            }
            var response = sqs.deleteMessageBatch(r -> r.queueUrl(queueUrl).entries(entries));
            stats.deleted.addAndGet(response.successful().size());
            response.failed().forEach(f -> LOG.warnf("Consumer %s: delete of message %s failed: %s",
                    name, batch.get(Integer.parseInt(f.id())).messageId(), f.message()));
        } catch (SdkException e) {
            // The work is done; a redelivery is recognised as done by the handler's own records.
            LOG.warnf("Consumer %s: deleting %d messages failed (%s); they will be redelivered",
                    name, batch.size(), e.getMessage());
        }
    }

    private void renewVisibility() {
        List<Message> messages = new ArrayList<>(inFlight.values());
        changeVisibility(messages, (int) config.visibilityTimeout().toSeconds());
    }

    private void makeVisible(List<Message> messages) {
        changeVisibility(messages, 0);
    }

    private void changeVisibility(List<Message> messages, int seconds) {
        for (int from = 0; from < messages.size(); from += MAX_BATCH) {
            List<Message> batch = messages.subList(from, Math.min(messages.size(), from + MAX_BATCH));
            List<ChangeMessageVisibilityBatchRequestEntry> entries = new ArrayList<>(batch.size());
            for (int i = 0; i < batch.size(); i++) {
                entries.add(ChangeMessageVisibilityBatchRequestEntry.builder().id(Integer.toString(i))
                        .receiptHandle(batch.get(i).receiptHandle()).visibilityTimeout(seconds).build());
            }
            try {
                sqs.changeMessageVisibilityBatch(r -> r.queueUrl(queueUrl).entries(entries));
            } catch (SdkException e) {
                LOG.debugf("Consumer %s: visibility change failed: %s", name, e.getMessage());
            }
        }
    }

    /**
     * Stops receiving, waits up to {@code grace} for running handlers, interrupts the rest and
     * makes their messages visible again so another replica picks them up without waiting.
     */
    public void close(Duration grace) {
        if (!running) {
            return;
        }
        running = false;
        poller.interrupt();
        workers.shutdown();
        try {
            if (!workers.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                workers.shutdownNow();
                workers.awaitTermination(5, TimeUnit.SECONDS);
            }
            poller.join(config.waitTime().plusSeconds(5).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        housekeeping.shutdownNow();
        flushDeletes();
        List<Message> unfinished = new ArrayList<>(inFlight.values());
        unfinished.addAll(interrupted);
        if (!unfinished.isEmpty() && queueUrl != null) {
            LOG.infof("Consumer %s: releasing %d unfinished messages", name, unfinished.size());
            makeVisible(unfinished);
        }
        LOG.infof("Consumer %s stopped: received %d, deleted %d, failed %d, rejected %d, sent again %d",
                name, stats.received(), stats.deleted(), stats.failed(), stats.poison(), stats.sentAgain());
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }

    private boolean sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
            return running;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
