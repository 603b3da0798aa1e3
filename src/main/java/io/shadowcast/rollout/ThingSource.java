package io.shadowcast.rollout;

import jakarta.enterprise.context.ApplicationScoped;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iot.model.ListThingsResponse;
import software.amazon.awssdk.services.iot.model.ResourceNotFoundException;
import software.amazon.awssdk.services.iot.model.ThingAttribute;

/**
 * Reads a rollout's targets one page at a time; the page token is the rollout's checkpoint. The SDK's
 * own retries cover throttling of these calls (ListThings allows only a few calls per second, far
 * below what one page of shadow updates takes).
 */
@ApplicationScoped
public class ThingSource {

    static final int PAGE_SIZE = 250;

    private final IotClient iot;

    ThingSource(IotClient iot) {
        this.iot = iot;
    }

    /** @param token null for the first page */
    public ThingPage page(Targeting targeting, String token) {
        try {
            if (targeting instanceof Targeting.ThingGroup group) {
                return group(group, token);
            }
            return fleet((Targeting.Fleet) targeting, token);
        } catch (ResourceNotFoundException e) {
            throw new RolloutFailedException("cannot list " + targeting.describe() + ": it does not exist", e);
        }
    }

    private ThingPage fleet(Targeting.Fleet fleet, String token) {
        ListThingsResponse response = iot.listThings(r -> r.maxResults(PAGE_SIZE).nextToken(token)
                .thingTypeName(fleet.thingType())
                .attributeName(fleet.attributeName())
                .attributeValue(fleet.attributeValue()));
        return new ThingPage(response.things().stream().map(ThingAttribute::thingName).toList(),
                blankToNull(response.nextToken()));
    }

    private ThingPage group(Targeting.ThingGroup group, String token) {
        var response = iot.listThingsInThingGroup(r -> r.thingGroupName(group.name()).recursive(true)
                .maxResults(PAGE_SIZE).nextToken(token));
        return new ThingPage(response.things(), blankToNull(response.nextToken()));
    }

    private static String blankToNull(String token) {
        return token == null || token.isEmpty() ? null : token;
    }
}
