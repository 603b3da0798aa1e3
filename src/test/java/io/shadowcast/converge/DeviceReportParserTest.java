package io.shadowcast.converge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.shadowcast.sqs.PoisonMessageException;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DeviceReportParserTest {

    private final DeviceReportParser parser = new DeviceReportParser(new ObjectMapper());

    @Test
    void readsTheReportRulesMessageOfANamedShadow() {
        DeviceReport report = parser.parse("""
                {"thingName":"t-1","shadowName":"firmware","reported":{"url":"s3://b/k","hash":"abc","error":null},\
                "timestamp":1733340000}""");

        assertThat(report).isEqualTo(new DeviceReport("t-1", "firmware", "s3://b/k", "abc", null,
                Instant.ofEpochSecond(1733340000)));
        assertThat(report.failed()).isFalse();
    }

    @Test
    void readsAFailureOfTheClassicShadowWithoutHashNorTimestamp() {
        DeviceReport report = parser.parse("{\"thingName\":\"t-2\",\"reported\":{\"error\":\"download failed\"}}");

        assertThat(report).isEqualTo(new DeviceReport("t-2", null, null, null, "download failed", null));
        assertThat(report.failed()).isTrue();
    }

    @Test
    void anErrorReportedAsAnObjectIsKeptAsTextAndALongOneIsCut() {
        assertThat(parser.parse("{\"thingName\":\"t\",\"reported\":{\"hash\":\"h\",\"error\":{\"code\":7}}}").error())
                .isEqualTo("{\"code\":7}");
        assertThat(parser.parse("{\"thingName\":\"t\",\"reported\":{\"error\":\"" + "e".repeat(1000) + "\"}}").error())
                .hasSize(DeviceReportParser.MAX_ERROR_LENGTH + 3);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "hash=abc                                                                  | report is not JSON",
            "[1,2]                                                                     | report is not a JSON object",
            "{\"reported\":{\"hash\":\"h\"}}                                           | field thingName is missing",
            "{\"thingName\":\"a/b#c\",\"reported\":{\"hash\":\"h\"}}                   | field thingName is not a valid thing name",
            "{\"thingName\":\"t\"}                                                     | field reported is missing",
            "{\"thingName\":\"t\",\"reported\":{\"url\":\"s3://b/k\",\"error\":null}}   | field reported has neither hash nor error",
            "{\"thingName\":\"t\",\"reported\":{\"hash\":7}}                           | field hash must be a string",
            "{\"thingName\":\"t\",\"reported\":{\"hash\":\"h\"},\"timestamp\":1733340000000} | field timestamp must be epoch seconds",
    })
    void anythingThatCanNeverCountIsPoisonNamingTheField(String body, String message) {
        assertThatThrownBy(() -> parser.parse(body)).isInstanceOf(PoisonMessageException.class).hasMessageContaining(message);
    }
}
