package io.shadowcast.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.shadowcast.sqs.PoisonMessageException;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class S3NotificationParserTest {

    private final ObjectMapper json = new ObjectMapper();
    private final S3NotificationParser parser = new S3NotificationParser(json);

    @Test
    void directNotificationWithFormEncodedKey() {
        var parsed = parser.parse(event("ObjectCreated:Put", "firmware/red+flower%2B1+%C3%A9t%C3%A9.bin", "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY", "\"abc\""));

        assertThat(parsed).isInstanceOf(S3Notification.Records.class);
        var record = (S3EventRecord.ObjectCreated) ((S3Notification.Records) parsed).records().get(0);
        assertThat(record.object()).isEqualTo(
                new ObjectRef("artifacts", "firmware/red flower+1 été.bin", "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY", "abc"));
        assertThat(record.size()).isEqualTo(1024);
        assertThat(record.object().url()).isEqualTo("s3://artifacts/firmware/red flower+1 été.bin");
    }

    @Test
    void slashEncodedAsByTheEmulatorDecodesToTheSameKey() {
        var real = parser.parse(event("ObjectCreated:Put", "dir/red+flower%2B1.bin", null, "e"));
        var emulated = parser.parse(event("ObjectCreated:Put", "dir%2Fred+flower%2B1.bin", null, "e"));

        assertThat(emulated).isEqualTo(real);
        assertThat(single(real).object().key()).isEqualTo("dir/red flower+1.bin");
    }

    @Test
    void snsEnvelopeIsUnwrapped() throws Exception {
        String inner = event("ObjectCreated:CompleteMultipartUpload", "a.bin", "v1", "e1");
        String envelope = json.writeValueAsString(json.createObjectNode()
                .put("Type", "Notification").put("MessageId", "m-1").put("Message", inner));

        assertThat(parser.parse(envelope)).isEqualTo(parser.parse(inner));
    }

    @Test
    void testEventIsRecognised() {
        var parsed = parser.parse("{\"Service\":\"Amazon S3\",\"Event\":\"s3:TestEvent\",\"Time\":\"2024-01-01T00:00:00Z\",\"Bucket\":\"artifacts\"}");

        assertThat(parsed).isEqualTo(new S3Notification.TestEvent("artifacts"));
    }

    @Test
    void severalRecordsKeepTheirOrderAndOtherEventsAreMarked() {
        String body = "{\"Records\":[" + recordJson("ObjectCreated:Put", "one", null, "e1") + ","
                + recordJson("ObjectRemoved:Delete", "two", null, null) + ","
                + recordJson("s3:ObjectCreated:Copy", "three", "v3", "e3") + "]}";

        var records = ((S3Notification.Records) parser.parse(body)).records();

        assertThat(records).hasSize(3);
        assertThat(records.get(0)).isInstanceOf(S3EventRecord.ObjectCreated.class);
        assertThat(records.get(1)).isEqualTo(new S3EventRecord.Other("ObjectRemoved:Delete", "artifacts", "two"));
        assertThat(((S3EventRecord.ObjectCreated) records.get(2)).object().versionId()).isEqualTo("v3");
    }

    @Test
    void malformedMessagesArePoison() {
        for (String body : new String[] {
                "not json", "[1,2]", "42", "{}", "{\"Records\":[]}", "{\"Records\":{}}",
                "{\"Records\":[{\"eventName\":\"ObjectCreated:Put\"}]}",
                "{\"Records\":[{\"eventName\":\"ObjectCreated:Put\",\"s3\":{\"bucket\":{\"name\":\"b\"},\"object\":{}}}]}",
                "{\"Type\":\"Notification\",\"Message\":\"also not json\"}",
                "{\"Type\":\"Notification\",\"Message\":{\"Records\":[]}}",
                event("ObjectCreated:Put", "bad%zzescape", null, null) }) {
            assertThatThrownBy(() -> parser.parse(body)).as(body).isInstanceOf(PoisonMessageException.class);
        }
    }

    @Test
    void rolloutIdIsOneUploadNotOneSetOfBytes() {
        String key = "k with spaces/é";
        Instant at = Instant.parse("2026-12-01T10:00:00.123Z");
        var v1 = Upload.fromS3(new ObjectRef("b", key, "v1", "e"), at, "01");
        var v2 = Upload.fromS3(new ObjectRef("b", key, "v2", "e"), at, "02");
        var unversionedA = Upload.fromS3(new ObjectRef("b", key, null, "a"), at, "0055AED6DCD90281E5");
        var unversionedAAgain = Upload.fromS3(new ObjectRef("b", key, null, "a"), at.plusSeconds(9), "0055AED6DCD90281F0");
        var emulated = Upload.fromS3(new ObjectRef("b", key, null, "a"), at, null);

        assertThat(v1.rolloutId()).as("a redelivery of the same event")
                .isEqualTo(Upload.fromS3(new ObjectRef("b", key, "v1", "other"), at.plusSeconds(1), "09").rolloutId())
                .matches("[A-Za-z0-9_-]{43}");
        assertThat(v1.rolloutId()).isNotEqualTo(v2.rolloutId());
        assertThat(unversionedA.rolloutId()).as("the same bytes uploaded again are a new upload")
                .isNotEqualTo(unversionedAAgain.rolloutId());
        assertThat(emulated.rolloutId()).as("without version and sequencer: time and ETag")
                .isNotEqualTo(Upload.fromS3(new ObjectRef("b", key, null, "a"), at.plusMillis(1), null).rolloutId())
                .isEqualTo(Upload.fromS3(new ObjectRef("b", key, null, "\"a\""), at, null).rolloutId());
        assertThat(new Upload(v1.object(), at, null, "request-1").rolloutId()).as("a request is its own upload")
                .isNotEqualTo(v1.rolloutId()).isNotEqualTo(new Upload(v1.object(), at, null, "request-2").rolloutId());
    }

    @Test
    void aRetryQueuedByTheApiIsRecognisedAndAMalformedOneIsPoison() {
        assertThat(parser.parse("{\"retry\":\"id-1\",\"retryId\":\"r-1\",\"from\":\"ABORTED\"}"))
                .isEqualTo(new S3Notification.Retry("id-1", "r-1", RolloutStatus.ABORTED));
        assertThatThrownBy(() -> parser.parse("{\"retry\":\"id-1\",\"retryId\":\"r-1\",\"from\":\"SUCCEEDED\"}"))
                .isInstanceOf(PoisonMessageException.class).hasMessageContaining("PARTIAL or ABORTED");
    }

    @Test
    void eventTimeAndSequencerAreKept() {
        var record = single(parser.parse(event("ObjectCreated:Put", "a.bin", null, "e")));

        assertThat(record.upload().eventTime()).isEqualTo(Instant.parse("2026-12-01T10:00:00.123Z"));
        assertThat(record.upload().sequencer()).isEqualTo("0055AED6DCD90281E5");
        String emulator = event("ObjectCreated:Put", "a.bin", null, "e").replace("2026-12-01T10:00:00.123Z", "2026-12-01T10:00:00.123456");
        assertThat(single(parser.parse(emulator)).upload().eventTime()).as("no zone means UTC")
                .isEqualTo(Instant.parse("2026-12-01T10:00:00.123456Z"));
        assertThatThrownBy(() -> parser.parse(event("ObjectCreated:Put", "a.bin", null, "e").replace("2026-12-01T10:00:00.123Z", "yesterday")))
                .isInstanceOf(PoisonMessageException.class).hasMessageContaining("eventTime");
        assertThatThrownBy(() -> parser.parse(event("ObjectCreated:Put", "a.bin", null, "e").replace("\"eventTime\":\"2026-12-01T10:00:00.123Z\",", "")))
                .isInstanceOf(PoisonMessageException.class).hasMessageContaining("no eventTime");
    }

    private S3EventRecord.ObjectCreated single(S3Notification notification) {
        return (S3EventRecord.ObjectCreated) ((S3Notification.Records) notification).records().get(0);
    }

    private static String event(String eventName, String key, String versionId, String eTag) {
        return "{\"Records\":[" + recordJson(eventName, key, versionId, eTag) + "]}";
    }

    private static String recordJson(String eventName, String key, String versionId, String eTag) {
        String object = "\"key\":\"" + key + "\",\"size\":1024,\"sequencer\":\"0055AED6DCD90281E5\""
                + (versionId == null ? "" : ",\"versionId\":\"" + versionId + "\"")
                + (eTag == null ? "" : ",\"eTag\":\"" + eTag.replace("\"", "\\\"") + "\"");
        return "{\"eventVersion\":\"2.1\",\"eventSource\":\"aws:s3\",\"eventTime\":\"2026-12-01T10:00:00.123Z\",\"eventName\":\"" + eventName + "\","
                + "\"s3\":{\"bucket\":{\"name\":\"artifacts\"},\"object\":{" + object + "}}}";
    }
}
