package io.shadowcast.rollout;

import io.shadowcast.config.RolloutConfig;
import io.smallrye.faulttolerance.api.Guard;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.iotdataplane.IotDataPlaneClient;
import software.amazon.awssdk.services.iotdataplane.model.ResourceNotFoundException;

/**
 * Writes one thing's shadow, paced and retried.
 *
 * <p>Every attempt, retries included, first takes a token from the shared {@link AdaptiveRate}: the
 * quota is account-wide, so all rollouts of this replica draw from one bucket. Throttling, 5xx and
 * I/O errors are retried by a SmallRye Fault Tolerance guard with exponential backoff and jitter, a
 * bounded number of times; the SDK's own retries are turned off for these calls so that there is one
 * retry policy and every throttled response is seen (and slows the rate). ResourceNotFound means the
 * thing is gone: skipped. Any other 4xx is a failure of that thing, not retried.
 */
@ApplicationScoped
public class ShadowWriter {

    private static final Logger LOG = Logger.getLogger(ShadowWriter.class);

    private final IotDataPlaneClient iotData;
    private final AdaptiveRate rate;
    private final Guard guard;
    private final RolloutMetrics metrics;

    ShadowWriter(IotDataPlaneClient iotData, RolloutConfig config, RolloutMetrics metrics) {
        this.iotData = withoutRetries(iotData, config.writeAttemptTimeout());
        this.metrics = metrics;
        this.rate = new AdaptiveRate(new TokenBucket(config.maxRate(), System::nanoTime), config.maxRate(),
                System::nanoTime);
        metrics.rate(rate::rate);
        RolloutConfig.Retry retry = config.retry();
        // long enough for every configured retry at the longest delay; the retry count is the real bound
        long maxDuration = (retry.maxRetries() + 1L) * (retry.maxDelay().toMillis() + retry.jitter().toMillis()) + 60_000;
        this.guard = Guard.create()
                .withDescription("UpdateThingShadow")
                .withRetry()
                .maxRetries(retry.maxRetries())
                .delay(retry.initialDelay().toMillis(), ChronoUnit.MILLIS)
                .jitter(retry.jitter().toMillis(), ChronoUnit.MILLIS)
                .maxDuration(maxDuration, ChronoUnit.MILLIS)
                .whenException(ShadowWriter::isTransient)
                .withExponentialBackoff().factor(2).maxDelay(retry.maxDelay().toMillis(), ChronoUnit.MILLIS).done()
                .done()
                .build();
    }

    /**
     * A client like the application's (same endpoint, region and credentials) with the SDK's retries
     * off. Built once: a per-request override would rebuild the client configuration on every call.
     * Each attempt is bounded, so that an attempt started while the writer's fence was open ends
     * before the slot can be handed to the next rollout (see {@link SlotLease}).
     */
    private static IotDataPlaneClient withoutRetries(IotDataPlaneClient client, Duration attemptTimeout) {
        var settings = client.serviceClientConfiguration();
        var builder = IotDataPlaneClient.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .region(settings.region())
                .credentialsProvider(settings.credentialsProvider())
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())
                        .apiCallAttemptTimeout(attemptTimeout));
        settings.endpointOverride().ifPresent(builder::endpointOverride);
        return builder.build();
    }

    @PreDestroy
    void close() {
        iotData.close();
    }

    /**
     * @param shadowName null for the classic shadow
     * @param fence      checked before every attempt: no attempt starts once the rollout may no longer write
     * @throws RolloutStoppedException when the fence closed before the write succeeded
     */
    public WriteResult write(String thing, String shadowName, SdkBytes payload, SlotLease.Fence fence)
            throws InterruptedException {
        WriteResult result = attempts(thing, shadowName, payload, fence);
        metrics.written(result);
        return result;
    }

    private WriteResult attempts(String thing, String shadowName, SdkBytes payload, SlotLease.Fence fence)
            throws InterruptedException {
        AtomicInteger throttled = new AtomicInteger();
        try {
            guard.call(() -> attempt(thing, shadowName, payload, throttled, fence), Boolean.class);
            return WriteResult.updated(thing, throttled.get());
        } catch (RolloutStoppedException refused) {
            throw refused;
        } catch (ResourceNotFoundException e) {
            LOG.debugf("Thing %s no longer exists: skipped", thing);
            return WriteResult.skipped(thing);
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            // the last throttled response, if the attempts ran out on one, was not retried
            int retried = throttled.get() - (isThrottling(e) ? 1 : 0);
            LOG.warnf("Shadow update of %s failed%s: %s", thing, isTransient(e) ? " after all retries" : "", summary(e));
            return WriteResult.failed(thing, retried);
        }
    }

    private Boolean attempt(String thing, String shadowName, SdkBytes payload, AtomicInteger throttled,
            SlotLease.Fence fence) throws InterruptedException {
        rate.acquire();
        if (!fence.awaitOpen()) {
            throw new RolloutStoppedException("the rollout may no longer write the shadow slot");
        }
        try {
            iotData.updateThingShadow(r -> r.thingName(thing).shadowName(shadowName).payload(payload));
        } catch (AwsServiceException e) {
            if (isThrottling(e)) {
                throttled.incrementAndGet();
                rate.onThrottled();
            }
            throw e;
        }
        rate.onSuccess();
        return Boolean.TRUE;
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
