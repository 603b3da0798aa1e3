package io.shadowcast.presence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.shadowcast.sqs.PoisonMessageException;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PresenceEventParserTest {

    private final PresenceEventParser parser = new PresenceEventParser(new ObjectMapper());

    @Test
    void shadowRuleDisconnect() {
        PresenceEvent event = parser.parse("{\"thingName\":\"sensor-1\",\"connected\":false,\"timestamp\":1732340000}");

        assertThat(event).isEqualTo(new PresenceEvent.ShadowStateChange("sensor-1", false, 1732340000L));
        assertThat(event.at()).isEqualTo(Instant.ofEpochSecond(1732340000L));
        assertThat(event.source()).isEqualTo(CheckSource.SHADOW);
        assertThat(event.connected()).isFalse();
    }

    @Test
    void shadowRuleConnect() {
        PresenceEvent event = parser.parse("{\"thingName\":\"sensor-1\",\"connected\":true,\"timestamp\":1732340005}");

        assertThat(event.connected()).isTrue();
    }

    @Test
    void lifecycleDisconnectUsesClientIdWhenThereIsNoThingName() {
        PresenceEvent event = parser.parse("""
                {"clientId":"sensor-2","timestamp":1732340000123,"eventType":"disconnected",
                 "clientInitiatedDisconnect":false,"sessionIdentifier":"00000000-0000-0000-0000-000000000000",
                 "principalIdentifier":"abc","disconnectReason":"CONNECTION_LOST","versionNumber":7}""");

        assertThat(event).isEqualTo(new PresenceEvent.Lifecycle("sensor-2", "sensor-2", false, 1732340000123L,
                Optional.of("CONNECTION_LOST"), Optional.of(7L)));
        assertThat(event.at()).isEqualTo(Instant.ofEpochMilli(1732340000123L));
        assertThat(event.source()).isEqualTo(CheckSource.LIFECYCLE);
    }

    @Test
    void lifecycleThingNameWinsOverClientId() {
        PresenceEvent event = parser.parse("""
                {"clientId":"client-77","thingName":"pump-3","timestamp":1732340000123,"eventType":"connected"}""");

        assertThat(event.thingName()).isEqualTo("pump-3");
        assertThat(event.connected()).isTrue();
        assertThat(event.reason()).isEmpty();
    }

    @Test
    void snsEnvelopeIsUnwrapped() {
        String inner = "{\"thingName\":\"sensor-1\",\"connected\":false,\"timestamp\":1732340000}";
        String envelope = "{\"Type\":\"Notification\",\"MessageId\":\"m-1\",\"Message\":"
                + new ObjectMapper().valueToTree(inner).toString() + "}";

        assertThat(parser.parse(envelope)).isEqualTo(new PresenceEvent.ShadowStateChange("sensor-1", false, 1732340000L));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "not json at all                                                            | not JSON",
            "[1,2]                                                                      | not a JSON object",
            "{}                                                                         | neither eventType",
            "{\"connected\":false,\"timestamp\":1}                                      | thingName is missing",
            "{\"thingName\":\"a b\",\"connected\":false,\"timestamp\":1}                | thingName is not a valid thing name",
            "{\"thingName\":\"t\",\"connected\":\"no\",\"timestamp\":1}                 | connected must be true or false",
            "{\"thingName\":\"t\",\"connected\":false}                                  | timestamp is missing",
            "{\"thingName\":\"t\",\"connected\":false,\"timestamp\":\"soon\"}           | timestamp must be a positive integer",
            "{\"thingName\":\"t\",\"connected\":false,\"timestamp\":-5}                 | timestamp must be a positive integer",
            "{\"thingName\":\"t\",\"connected\":false,\"timestamp\":1732340000123}      | timestamp must be epoch seconds",
            "{\"clientId\":\"c\",\"eventType\":\"subscribed\",\"timestamp\":1}          | eventType must be connected or disconnected",
            "{\"eventType\":\"connected\",\"timestamp\":1}                              | clientId is missing",
            "{\"clientId\":\"c\",\"eventType\":\"connected\"}                           | timestamp is missing",
            "{\"clientId\":5,\"eventType\":\"connected\",\"timestamp\":1}               | clientId must be a string",
            "{\"Type\":\"Notification\",\"Message\":\"{oops\"}                          | SNS Message is not JSON",
    })
    void malformedEventsArePoisonAndNameTheProblem(String body, String message) {
        assertThatThrownBy(() -> parser.parse(body.strip()))
                .isInstanceOf(PoisonMessageException.class)
                .hasMessageContaining(message.strip());
    }

    @Test
    void emptyBodyIsPoison() {
        assertThatThrownBy(() -> parser.parse("")).isInstanceOf(PoisonMessageException.class).hasMessageContaining("empty");
    }
}
