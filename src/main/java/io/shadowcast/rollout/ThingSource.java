package io.shadowcast.rollout;

import io.shadowcast.concurrent.DaemonThreads;
import io.shadowcast.config.RolloutConfig;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.jboss.logging.Logger;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkPlugin;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iot.model.ListThingsResponse;
import software.amazon.awssdk.services.iot.model.ResourceNotFoundException;
import software.amazon.awssdk.services.iot.model.ThingAttribute;

/**
 * Reads a rollout's targets one page at a time; the page token is the rollout's checkpoint.
 *
 * <p>AWS limits the registry's listings per account: ListThings to 10 requests/s and
 * ListThingsInThingGroup to 25/s by default. Every listing of this replica (rollouts, fresh listings
 * behind a target snapshot, sweeps) takes a token of one shared bucket per API first
 * ({@code shadowcast.rollout.listing.*}), so the replica stays within the quota by itself; a listing
 * throttled anyway (other replicas or tools share the quota) is retried by the rollouts' one
 * {@link RetryPolicy}, with the SDK's own retries off for these calls.
 */
@ApplicationScoped
public class ThingSource {

    private static final Logger LOG = Logger.getLogger(ThingSource.class);

    static final int PAGE_SIZE = 250;

    /** The SDK's retries off for one request: the retry policy below is the only one. */
    private static final SdkPlugin NO_SDK_RETRIES = config -> config.overrideConfiguration(
            config.overrideConfiguration().toBuilder().retryStrategy(AwsRetryStrategy.doNotRetry()).build());
    private static final AwsRequestOverrideConfiguration LISTING =
            AwsRequestOverrideConfiguration.builder().addPlugin(NO_SDK_RETRIES).build();

    private final IotClient iot;
    private final TokenBucket listThings;
    private final TokenBucket listGroup;
    private final RetryPolicy retry;
    private final ExecutorService freshListings = Executors.newCachedThreadPool(DaemonThreads.named("fresh-listing"));
    private final TargetSnapshots snapshots;

    ThingSource(IotClient iot, RolloutConfig config) {
        this.iot = iot;
        this.listThings = new TokenBucket(config.listing().listThingsRate(), System::nanoTime);
        this.listGroup = new TokenBucket(config.listing().listThingsInGroupRate(), System::nanoTime);
        this.retry = RetryPolicy.of(config.retry());
        this.snapshots = new TargetSnapshots(this, config.listing().snapshot(),
                config.listing().snapshotDirectory().orElseGet(TargetSnapshots::temporaryDirectory), freshListings);
    }

    @PreDestroy
    void close() {
        freshListings.shutdownNow();
        snapshots.clear();
    }

    /** A rollout's targets from {@code start} on: from a snapshot of an earlier listing where one is kept (see {@link TargetSnapshots}). */
    TargetPages rolloutPages(Targeting targeting, FanOut.Checkpoint start) {
        return snapshots.open(targeting, start);
    }

    /** A rollout's targets from {@code start} on, listed afresh: no snapshot is read or kept. */
    TargetPages listedPages(Targeting targeting, FanOut.Checkpoint start) {
        return new ListedPages(this, snapshots, targeting, start, null);
    }

    /** @param token null for the first page */
    public ThingPage page(Targeting targeting, String token) {
        try {
            if (targeting instanceof Targeting.ThingGroup group) {
                return paced(listGroup, targeting, () -> group(group, token));
            }
            return paced(listThings, targeting, () -> fleet((Targeting.Fleet) targeting, token));
        } catch (ResourceNotFoundException e) {
            throw new RolloutFailedException("cannot list " + targeting.describe() + ": it does not exist", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RolloutStoppedException("interrupted while listing " + targeting.describe());
        }
    }

    /** One listing call within the replica's pace, retried while it is throttled or the service fails. */
    private ThingPage paced(TokenBucket pace, Targeting targeting, Supplier<ThingPage> call) throws InterruptedException {
        for (int retries = 0;; retries++) {
            pace.acquire();
            try {
                return call.get();
            } catch (AwsServiceException e) {
                boolean transientError = e.isThrottlingException() || e.statusCode() >= 500;
                if (!transientError || !retry.allows(retries + 1)) {
                    throw e;
                }
                long delay = retry.delayMillis(retries + 1);
                LOG.debugf("Listing %s answered %d %s: retry %d in %d ms", targeting.describe(), e.statusCode(),
                        e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode(), retries + 1, delay);
                Thread.sleep(delay);
            }
        }
    }

    private ThingPage fleet(Targeting.Fleet fleet, String token) {
        ListThingsResponse response = iot.listThings(r -> r.maxResults(PAGE_SIZE).nextToken(token)
                .thingTypeName(fleet.thingType())
                .attributeName(fleet.attributeName())
                .attributeValue(fleet.attributeValue())
                .overrideConfiguration(LISTING));
        return new ThingPage(response.things().stream().map(ThingAttribute::thingName).toList(),
                blankToNull(response.nextToken()));
    }

    private ThingPage group(Targeting.ThingGroup group, String token) {
        var response = iot.listThingsInThingGroup(r -> r.thingGroupName(group.name()).recursive(true)
                .maxResults(PAGE_SIZE).nextToken(token).overrideConfiguration(LISTING));
        return new ThingPage(response.things(), blankToNull(response.nextToken()));
    }

    private static String blankToNull(String token) {
        return token == null || token.isEmpty() ? null : token;
    }
}
