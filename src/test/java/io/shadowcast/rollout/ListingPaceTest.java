package io.shadowcast.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.shadowcast.testing.IotSimulator;
import io.shadowcast.testing.SimulatedIot;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The registry's listings against an endpoint that enforces AWS's default listing quotas (ListThings
 * 10 requests/s, ListThingsInThingGroup 25/s, 400 ThrottlingException above them).
 */
@QuarkusTest
@TestProfile(SimulatedIot.class)
class ListingPaceTest {

    @Inject ThingSource source;
    IotSimulator iot;

    private final List<String> added = new ArrayList<>();

    @AfterEach
    void restore() {
        added.forEach(iot::removeThing);
        iot.setListingQuota(IotSimulator.LIST_THINGS_PER_SECOND, IotSimulator.LIST_GROUP_PER_SECOND);
    }

    @Test
    void listingStaysWithinTheListThingsQuotaByItself() {
        iot.resetCounters();
        long started = System.nanoTime();
        int pages = 0;
        String token = null;
        while (pages < 30) {
            token = source.page(Targeting.Fleet.ALL, token).nextToken();
            pages++;
        }
        double seconds = (System.nanoTime() - started) / 1e9;

        assertThat(iot.listThrottled()).as("listings the endpoint throttled").isZero();
        assertThat(iot.listRequests()).isEqualTo(30);
        assertThat(seconds).as("30 ListThings calls at 10/s").isGreaterThan(2.5);
    }

    @Test
    void throttledListingsAreRetriedUntilEveryMemberIsListed() {
        String group = "paced-" + UUID.randomUUID().toString().substring(0, 8);
        for (int i = 0; i < 1_000; i++) {
            String thing = group + "-" + i;
            added.add(thing);
            iot.addToGroup(group, thing);
        }
        // another client takes most of the account's quota: only 2 of the replica's 25 calls a second pass
        iot.setListingQuota(IotSimulator.LIST_THINGS_PER_SECOND, 2);
        iot.resetCounters();

        Set<String> listed = new HashSet<>();
        String token = null;
        do {
            ThingPage page = source.page(new Targeting.ThingGroup(group), token);
            listed.addAll(page.things());
            token = page.nextToken();
        } while (token != null);

        assertThat(iot.listThrottled()).as("listings the endpoint throttled").isPositive();
        assertThat(listed).containsExactlyInAnyOrderElementsOf(added);
    }
}
