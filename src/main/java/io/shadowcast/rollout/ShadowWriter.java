package io.shadowcast.rollout;

import io.shadowcast.concurrent.DaemonThreads;
import io.shadowcast.concurrent.Failures;
import io.shadowcast.config.RolloutConfig;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.endpoints.Endpoint;
import software.amazon.awssdk.core.client.config.SdkAdvancedAsyncClientOption;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.crt.AwsCrtAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.services.iotdataplane.IotDataPlaneAsyncClient;
import software.amazon.awssdk.services.iotdataplane.IotDataPlaneClient;
import software.amazon.awssdk.services.iotdataplane.endpoints.IotDataPlaneEndpointProvider;
import software.amazon.awssdk.services.iotdataplane.model.ResourceNotFoundException;

/**
 * Writes things' shadows, paced and retried, without a thread per write.
 *
 * <p>Every attempt, retries included, first takes a token from the shared {@link AdaptiveRate}: the
 * quota is account-wide, so all rollouts of this replica draw from one bucket. As it leaves, an attempt
 * whose slot passed while the process stood still, and would leave in a burst with the others, takes a
 * new one ({@link TokenBucket#depart()}). A token that is not due
 * yet, a retry's backoff and a late lease renewal are waited out on a timer, not by a blocked thread;
 * the request itself goes through the SDK's asynchronous client (on the AWS CRT HTTP client by default,
 * Netty by configuration), whose event loop completes it. Throttling, 5xx and I/O errors are retried by the one {@link RetryPolicy} (exponential backoff
 * with jitter, a bounded number of times); the SDK's own retries are off so that every throttled
 * response is seen (and slows the rate). ResourceNotFound means the thing is gone: skipped. Any other
 * 4xx is a failure of that thing, not retried. The round trips feed the {@link InFlightLimit}.
 */
@ApplicationScoped
public class ShadowWriter {

    private static final Logger LOG = Logger.getLogger(ShadowWriter.class);

    /** How often a write that found its fence shut (a late lease renewal) looks again. */
    private static final long FENCE_POLL_MILLIS = 10;

    private final IotDataPlaneAsyncClient iotData;
    private final AdaptiveRate rate;
    private final RetryPolicy retry;
    private final InFlightLimit inFlight;
    private final RolloutMetrics metrics;
    private final ScheduledExecutorService timer =
            Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("shadow-write-timer"));

    ShadowWriter(IotDataPlaneClient iotData, RolloutConfig config, RolloutMetrics metrics) {
        this.iotData = asyncWithoutRetries(iotData, config);
        this.metrics = metrics;
        this.rate = new AdaptiveRate(new TokenBucket(config.maxRate(), System::nanoTime), config.maxRate(),
                System::nanoTime);
        metrics.rate(rate::rate);
        this.retry = RetryPolicy.of(config.retry());
        this.inFlight = new InFlightLimit(rate::rate, config.concurrency());
    }

    /**
     * An asynchronous client like the application's (same endpoint, region and credentials) with the
     * SDK's retries off, on the configured HTTP client with a connection for each write the fan-out may
     * keep in flight. Responses complete on the client's event loop: what runs on them (counting, handing out the next write)
     * is short and never blocks. Each attempt is bounded, so that an attempt started while the writer's
     * fence was open ends before the slot can be handed to the next rollout (see {@link SlotLease}).
     */
    private static IotDataPlaneAsyncClient asyncWithoutRetries(IotDataPlaneClient client, RolloutConfig config) {
        var settings = client.serviceClientConfiguration();
        var builder = IotDataPlaneAsyncClient.builder()
                .httpClientBuilder(httpClient(config))
                .region(settings.region())
                .credentialsProvider(settings.credentialsProvider())
                .asyncConfiguration(a -> a.advancedOption(SdkAdvancedAsyncClientOption.FUTURE_COMPLETION_EXECUTOR,
                        Runnable::run))
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())
                        .apiCallAttemptTimeout(config.writeAttemptTimeout()));
        settings.endpointOverride().ifPresent(endpoint -> builder.endpointOverride(endpoint)
                .endpointProvider(fixedEndpoint(endpoint)));
        return builder.build();
    }

    /**
     * The endpoint is known (configured or discovered once): every write would otherwise evaluate the
     * SDK's endpoint rules again only to arrive at it, a few percent of the CPU of a write.
     */
    private static IotDataPlaneEndpointProvider fixedEndpoint(URI endpoint) {
        CompletableFuture<Endpoint> resolved = CompletableFuture.completedFuture(Endpoint.builder().url(endpoint).build());
        return params -> resolved;
    }

    private static SdkAsyncHttpClient.Builder<?> httpClient(RolloutConfig config) {
        return switch (config.httpClient()) {
            case NETTY -> NettyNioAsyncHttpClient.builder()
                    .maxConcurrency(config.concurrency())
                    .maxPendingConnectionAcquires(Math.max(10_000, config.concurrency()));
            case CRT -> AwsCrtAsyncHttpClient.builder().maxConcurrency(config.concurrency());
        };
    }

    @PreDestroy
    void close() {
        timer.shutdownNow();
        iotData.close();
    }

    /** Writes in flight the fan-out should keep to reach the current rate (see {@link InFlightLimit}). */
    public int inFlightLimit() {
        return inFlight.limit();
    }

    /** The pacing as it stands, for the logs: rate, observed round trip, in-flight limit and attempts held back. */
    public String pacing() {
        return String.format(Locale.ROOT, "now %.0f updates/s allowed, round trip %.0f ms, up to %d in flight, "
                + "%.0f attempts held back from a burst since the start",
                rate.rate(), inFlight.roundTripSeconds() * 1000, inFlight.limit(), metrics.heldBackSoFar());
    }

    /**
     * Writes one thing's shadow and waits for the outcome.
     *
     * @param shadowName null for the classic shadow
     * @param fence      checked before every attempt: no attempt starts once the rollout may no longer write
     * @throws RolloutStoppedException when the fence closed before the write succeeded
     */
    public WriteResult write(String thing, String shadowName, SdkBytes payload, SlotLease.Fence fence)
            throws InterruptedException {
        try {
            return writeAsync(thing, shadowName, payload, fence).get();
        } catch (ExecutionException e) {
            throw Failures.unchecked(e);
        }
    }

    /**
     * Writes one thing's shadow; the future completes with the outcome after the retries, or with
     * {@link RolloutStoppedException} when the fence closed before the write succeeded.
     */
    public CompletableFuture<WriteResult> writeAsync(String thing, String shadowName, SdkBytes payload,
            SlotLease.Fence fence) {
        Write write = new Write(thing, shadowName, payload, fence);
        write.next();
        return write.outcome.whenComplete((result, e) -> {
            if (result != null) {
                metrics.written(result);
            }
        });
    }

    /** One thing's write: its attempts, one after the other, each started by a token. */
    private final class Write {

        private final String thing;
        private final String shadowName;
        private final SdkBytes payload;
        private final SlotLease.Fence fence;
        private final CompletableFuture<WriteResult> outcome = new CompletableFuture<>();
        private int retries;
        private int throttled;

        Write(String thing, String shadowName, SdkBytes payload, SlotLease.Fence fence) {
            this.thing = thing;
            this.shadowName = shadowName;
            this.payload = payload;
            this.fence = fence;
        }

        /** Takes a token and sends when it is due. */
        void next() {
            long wait = rate.reserve();
            if (wait > 0) {
                later(() -> whenFenceOpen(System.nanoTime()), wait, TimeUnit.NANOSECONDS);
            } else {
                whenFenceOpen(System.nanoTime());
            }
        }

        /** A late renewal pauses the write; a fence closed for good refuses it. */
        private void whenFenceOpen(long checkedSince) {
            if (fence.isOpen()) {
                leaveInTurn();
            } else if (fence.givesUp(checkedSince)) {
                outcome.completeExceptionally(new RolloutStoppedException("the rollout may no longer write the shadow slot"));
            } else {
                later(() -> whenFenceOpen(checkedSince), FENCE_POLL_MILLIS, TimeUnit.MILLISECONDS);
            }
        }

        /** Sends unless the departures are a burst ahead of the rate (slots passed while the process stood still). */
        private void leaveInTurn() {
            long wait = rate.depart();
            if (wait == 0) {
                send();
            } else {
                metrics.heldBack();
                later(() -> whenFenceOpen(System.nanoTime()), wait, TimeUnit.NANOSECONDS);
            }
        }

        private void send() {
            long sent = System.nanoTime();
            try {
                iotData.updateThingShadow(r -> r.thingName(thing).shadowName(shadowName).payload(payload))
                        .whenComplete((response, error) -> {
                            inFlight.observed(System.nanoTime() - sent);
                            if (error == null) {
                                rate.onSuccess();
                                outcome.complete(WriteResult.updated(thing, throttled));
                            } else {
                                failed(Failures.cause(error));
                            }
                        });
            } catch (RuntimeException e) {
                failed(e);
            }
        }

        private void failed(Throwable e) {
            if (isThrottling(e)) {
                throttled++;
                rate.onThrottled();
            }
            if (isTransient(e) && retry.allows(retries + 1)) {
                retries++;
                later(this::next, retry.delayMillis(retries), TimeUnit.MILLISECONDS);
            } else if (e instanceof ResourceNotFoundException) {
                LOG.debugf("Thing %s no longer exists: skipped", thing);
                outcome.complete(WriteResult.skipped(thing, throttled));
            } else {
                // the last throttled response, if the attempts ran out on one, was not retried
                int retried = throttled - (isThrottling(e) ? 1 : 0);
                LOG.warnf("Shadow update of %s failed%s: %s", thing, isTransient(e) ? " after all retries" : "",
                        summary(e));
                outcome.complete(WriteResult.failed(thing, retried));
            }
        }

        private void later(Runnable step, long delay, TimeUnit unit) {
            try {
                timer.schedule(step, delay, unit);
            } catch (RuntimeException shutDown) {
                outcome.completeExceptionally(new RolloutStoppedException("the writer is shutting down"));
            }
        }
    }

    static boolean isTransient(Throwable e) {
        if (e instanceof AwsServiceException aws) {
            return aws.isThrottlingException() || aws.statusCode() >= 500;
        }
        return e instanceof SdkClientException;
    }

    private static boolean isThrottling(Throwable e) {
        return e instanceof AwsServiceException aws && aws.isThrottlingException();
    }

    private static String summary(Throwable e) {
        if (e instanceof AwsServiceException aws && aws.awsErrorDetails() != null) {
            return aws.statusCode() + " " + aws.awsErrorDetails().errorCode() + ": " + aws.awsErrorDetails().errorMessage();
        }
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }
}
