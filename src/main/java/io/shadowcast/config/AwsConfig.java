package io.shadowcast.config;

import io.smallrye.config.ConfigMapping;
import java.net.URI;
import java.util.Optional;

/**
 * Settings for the AWS clients that shadowcast builds itself (IoT control plane and data plane).
 * S3, SQS, SNS and DynamoDB clients come from the Quarkus extensions and use the
 * {@code quarkus.<service>.*} keys; the local profiles point both at the same emulator.
 */
@ConfigMapping(prefix = "shadowcast.aws")
public interface AwsConfig {

    /** Region for the IoT clients; unset means the SDK's default region chain ({@code AWS_REGION}, profile, IMDS). */
    Optional<String> region();

    /** Static credentials for local emulators; unset means the SDK's default credential chain (IRSA, ECS task role...). */
    Credentials credentials();

    /** IoT control plane (ListThings, DescribeEndpoint). */
    Endpoint iot();

    /** IoT data plane (Update/GetThingShadow); without an override the endpoint is discovered with DescribeEndpoint(iot:Data-ATS). */
    Endpoint iotData();

    interface Credentials {
        Optional<String> accessKeyId();

        Optional<String> secretAccessKey();
    }

    interface Endpoint {
        Optional<URI> endpointOverride();
    }
}
