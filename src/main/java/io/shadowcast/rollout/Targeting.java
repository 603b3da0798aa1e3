package io.shadowcast.rollout;

/** Which things a rollout writes to. */
public sealed interface Targeting {

    /** Human-readable, for logs and the rollout record. */
    String describe();

    /** ListThings, optionally filtered by thing type and by one attribute (both server-side). */
    record Fleet(String thingType, String attributeName, String attributeValue) implements Targeting {

        public static final Fleet ALL = new Fleet(null, null, null);

        @Override
        public String describe() {
            if (thingType == null && attributeName == null) {
                return "all things";
            }
            StringBuilder text = new StringBuilder("things");
            if (thingType != null) {
                text.append(" of type ").append(thingType);
            }
            if (attributeName != null) {
                text.append(thingType != null ? " and" : "").append(" with ").append(attributeName).append('=')
                        .append(attributeValue);
            }
            return text.toString();
        }
    }

    /** ListThingsInThingGroup, including child groups. */
    record ThingGroup(String name) implements Targeting {

        @Override
        public String describe() {
            return "thing group " + name;
        }
    }
}
