package io.shadowcast.join;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.shadowcast.sqs.PoisonMessageException;
import org.junit.jupiter.api.Test;

/** The registry events as AWS IoT documents them, forwarded unchanged by the join rules. */
class RegistryEventParserTest {

    private final RegistryEventParser parser = new RegistryEventParser(new ObjectMapper());

    @Test
    void thingCreatedAndUpdatedJoin() {
        String created = """
                {"eventType":"THING_EVENT","eventId":"f5ae9b94-8b8e-4d8e-8c8f-b3266dd89853","timestamp":1234567890123,
                 "operation":"CREATED","accountId":"123456789012","thingId":"b604f69c-aa9a-4d4a-829e-c480e958a0b5",
                 "thingName":"MyThing","versionNumber":1,"thingTypeName":null,"attributes":{"line":"7"}}""";

        assertThat(parser.parse(created)).isEqualTo(new RegistryEvent.Joined("MyThing", "thing created"));
        assertThat(parser.parse(created.replace("CREATED", "UPDATED")))
                .isEqualTo(new RegistryEvent.Joined("MyThing", "thing updated"));
        assertThat(parser.parse(created.replace("CREATED", "DELETED"))).isInstanceOf(RegistryEvent.Ignored.class);
    }

    @Test
    void thingAddedToAGroupJoinsByTheNameInItsArn() {
        String added = """
                {"eventType":"THING_GROUP_MEMBERSHIP_EVENT","eventId":"d684bd5f-6f6e-48e1-950c-766ac7f02fd1",
                 "timestamp":1234567890123,"operation":"ADDED","accountId":"123456789012",
                 "groupArn":"arn:aws:iot:ap-northeast-2:123456789012:thinggroup/MyChildThingGroup",
                 "groupId":"06838589-373f-4312-b1f2-53f2192291c4",
                 "thingArn":"arn:aws:iot:ap-northeast-2:123456789012:thing/MyDevice3",
                 "thingId":"b604f69c-aa9a-4d4a-829e-c480e958a0b5","membershipId":"8505ebf8-4d32-4286-80e9-c23a4a16bbd8"}""";

        assertThat(parser.parse(added))
                .isEqualTo(new RegistryEvent.Joined("MyDevice3", "added to thing group MyChildThingGroup"));
        assertThat(parser.parse(added.replace("ADDED", "REMOVED"))).as("nothing is rolled back")
                .isInstanceOf(RegistryEvent.Ignored.class);
    }

    @Test
    void otherRegistryEventsAreIgnored() {
        assertThat(parser.parse("{\"eventType\":\"THING_TYPE_EVENT\",\"operation\":\"CREATED\",\"thingTypeName\":\"t\"}"))
                .isInstanceOf(RegistryEvent.Ignored.class);
    }

    @Test
    void unreadableMessagesArePoison() {
        assertThatThrownBy(() -> parser.parse("not json")).isInstanceOf(PoisonMessageException.class);
        assertThatThrownBy(() -> parser.parse("[1]")).isInstanceOf(PoisonMessageException.class);
        assertThatThrownBy(() -> parser.parse("{\"thingName\":\"a\"}")).isInstanceOf(PoisonMessageException.class)
                .hasMessageContaining("eventType");
        assertThatThrownBy(() -> parser.parse("{\"eventType\":\"THING_EVENT\",\"operation\":\"CREATED\"}"))
                .isInstanceOf(PoisonMessageException.class).hasMessageContaining("thingName");
        assertThatThrownBy(() -> parser.parse("{\"eventType\":\"THING_GROUP_MEMBERSHIP_EVENT\",\"operation\":\"ADDED\","
                + "\"thingArn\":\"arn:aws:iot:us-east-1:1:thing/\"}")).isInstanceOf(PoisonMessageException.class)
                .hasMessageContaining("thingArn");
    }
}
