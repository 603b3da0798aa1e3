package io.shadowcast.join;

import io.shadowcast.rollout.Targeting;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iot.model.DescribeThingResponse;
import software.amazon.awssdk.services.iot.model.GroupNameAndArn;
import software.amazon.awssdk.services.iot.model.ResourceNotFoundException;

/** What the registry says about one thing now: whether a rollout's targeting includes it. */
@ApplicationScoped
public class ThingRegistry {

    private final IotClient iot;

    ThingRegistry(IotClient iot) {
        this.iot = iot;
    }

    /** The thing as registered now, or empty when it does not exist (deleted since the event). */
    public Optional<Thing> lookUp(String name) {
        try {
            DescribeThingResponse thing = iot.describeThing(r -> r.thingName(name));
            return Optional.of(new Thing(name, thing.thingTypeName(), thing.attributes()));
        } catch (ResourceNotFoundException gone) {
            return Optional.empty();
        }
    }

    /** A registered thing; its groups are read once, when a group-targeted rollout asks. */
    public final class Thing {

        private final String name;
        private final String type;
        private final Map<String, String> attributes;
        private Set<String> groups;

        Thing(String name, String type, Map<String, String> attributes) {
            this.name = name;
            this.type = type;
            this.attributes = attributes == null ? Map.of() : new HashMap<>(attributes);
        }

        public String name() {
            return name;
        }

        /** True when a rollout with this targeting would list the thing now. */
        public boolean isTargetedBy(Targeting targeting) {
            if (targeting instanceof Targeting.ThingGroup group) {
                return groups().contains(group.name());
            }
            Targeting.Fleet fleet = (Targeting.Fleet) targeting;
            return (fleet.thingType() == null || fleet.thingType().equals(type))
                    && (fleet.attributeName() == null || fleet.attributeValue().equals(attributes.get(fleet.attributeName())));
        }

        /**
         * The groups the thing is in and their ancestors: a group-targeted rollout lists its group
         * recursively, so a thing of a child group is one of its targets.
         */
        private Set<String> groups() {
            if (groups == null) {
                Set<String> all = new HashSet<>();
                for (GroupNameAndArn direct : iot.listThingGroupsForThingPaginator(r -> r.thingName(name)).thingGroups()) {
                    all.add(direct.groupName());
                    var metadata = iot.describeThingGroup(r -> r.thingGroupName(direct.groupName())).thingGroupMetadata();
                    if (metadata != null) {
                        metadata.rootToParentThingGroups().forEach(parent -> all.add(parent.groupName()));
                    }
                }
                groups = all;
            }
            return groups;
        }
    }
}
