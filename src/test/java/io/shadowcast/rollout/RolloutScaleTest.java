package io.shadowcast.rollout;

import static io.shadowcast.rollout.RolloutFixture.awaitFinal;
import static io.shadowcast.rollout.RolloutFixture.desiredS3;
import static io.shadowcast.rollout.RolloutFixture.upload;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.shadowcast.config.RolloutConfig;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iotdataplane.IotDataPlaneClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A rollout of 1,000 things, targeted by the object's metadata (a thing type), streams the fleet
 * page by page: four pages of 250, each checkpointed, every shadow written. That no page is held
 * longer than needed is proven in {@link FanOutTest#atMostThePagesAheadTwoMoreAndTheWritesInFlightAreAliveWhateverTheFleetSize}.
 */
@QuarkusTest
class RolloutScaleTest {

    private static final int THINGS = 1_000;

    @Inject S3Client s3;
    @Inject IotClient iot;
    @Inject IotDataPlaneClient iotData;
    @Inject RolloutStore store;
    @Inject RolloutConfig config;

    private final String type = "scale-" + UUID.randomUUID().toString().substring(0, 8);
    private List<String> names = List.of();

    @AfterEach
    void removeTheThings() {
        // later rollouts of the shared emulator target every thing: keep the fleet small for them
        names.parallelStream().forEach(name -> iot.deleteThing(r -> r.thingName(name)));
    }

    @Test
    void thousandThingsOfOneTypeArePagedCheckpointedAndAllWritten() {
        iot.createThingType(r -> r.thingTypeName(type));
        names = IntStream.range(0, THINGS).mapToObj(i -> type + "-" + i).toList();
        names.parallelStream().forEach(name -> iot.createThing(r -> r.thingName(name).thingTypeName(type)));

        var uploaded = upload(s3, config.bucket(), "fleet/" + type + ".bin", 50_000,
                Map.of(TargetRule.META_TYPE, type));
        RolloutRecord record = awaitFinal(store, uploaded, Duration.ofSeconds(120));

        assertThat(record.status()).isEqualTo(RolloutStatus.SUCCEEDED);
        assertThat(record.target()).isEqualTo("things of type " + type);
        assertThat(record.counts()).isEqualTo(new RolloutCounts(THINGS, THINGS, 0, 0, 0));
        assertThat(record.pages()).isEqualTo(THINGS / ThingSource.PAGE_SIZE);
        assertThat(record.checkpoint()).isNull();
        long written = names.parallelStream()
                .map(name -> desiredS3(iotData.getThingShadow(r -> r.thingName(name)).payload().asUtf8String()))
                .filter(s3Field -> s3Field.path("hash").asText().equals(uploaded.sha256()))
                .count();
        assertThat(written).isEqualTo(THINGS);
        assertThat(desiredS3(iotData.getThingShadow(r -> r.thingName("shadowcast-demo-1")).payload().asUtf8String())
                .path("hash").asText()).as("a thing of no type is not a target").isNotEqualTo(uploaded.sha256());
    }
}
