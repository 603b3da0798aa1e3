package io.shadowcast.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.iotdataplane.model.ResourceNotFoundException;
import software.amazon.awssdk.services.iotdataplane.model.ThrottlingException;

/** Which failures of a shadow update are retried. */
class ShadowWriterTest {

    @Test
    void throttlingServerErrorsAndIoErrorsAreRetried() {
        assertThat(ShadowWriter.isTransient(ThrottlingException.builder().statusCode(429).build())).isTrue();
        assertThat(ShadowWriter.isTransient(service(429, "TooManyRequests"))).isTrue();
        assertThat(ShadowWriter.isTransient(service(500, "InternalFailureException"))).isTrue();
        assertThat(ShadowWriter.isTransient(service(503, "ServiceUnavailableException"))).isTrue();
        assertThat(ShadowWriter.isTransient(SdkClientException.create("reset", new IOException("reset")))).isTrue();
    }

    @Test
    void goneThingsAndOtherClientErrorsAreNot() {
        assertThat(ShadowWriter.isTransient(ResourceNotFoundException.builder().statusCode(404).build())).isFalse();
        assertThat(ShadowWriter.isTransient(service(400, "InvalidRequestException"))).isFalse();
        assertThat(ShadowWriter.isTransient(service(403, "ForbiddenException"))).isFalse();
        assertThat(ShadowWriter.isTransient(service(413, "RequestEntityTooLargeException"))).isFalse();
    }

    private static AwsServiceException service(int status, String code) {
        return AwsServiceException.builder().statusCode(status)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).build()).build();
    }
}
