package io.shadowcast.aws;

import io.shadowcast.config.AwsConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import java.net.URI;
import org.jboss.logging.Logger;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iotdataplane.IotDataPlaneClient;

/**
 * Builds the IoT control-plane and data-plane clients, which have no Quarkus extension, each with its
 * HTTP client set explicitly (the plain SDK artifacts would otherwise find several HTTP implementations
 * on the class path and refuse to choose):
 * <ul>
 * <li>the data plane (the disconnect watch's shadow reads, the joins' reads; the rollouts' asynchronous
 * writer takes its endpoint, region and credentials from it) on the URL-connection client: a blocking
 * call on CRT's client stalls once the JVM has begun to shut down, and the disconnect watch must finish
 * the alerts it started within the shutdown grace (PresenceShutdownIT);</li>
 * <li>the control plane (listings, a few calls a second) on the URL-connection client, like S3, SQS,
 * SNS and DynamoDB.</li>
 * </ul>
 *
 * <p>The clients are application-scoped, so they are built on first use, not at start: endpoint
 * discovery needs AWS, and the service must start (and report not ready) while AWS is unreachable.
 * A failed discovery is retried on the next call.
 */
@ApplicationScoped
public class IotClients {

    private static final Logger LOG = Logger.getLogger(IotClients.class);

    private final AwsConfig config;

    IotClients(AwsConfig config) {
        this.config = config;
    }

    @Produces
    @ApplicationScoped
    IotClient iotClient() {
        var builder = IotClient.builder().httpClientBuilder(UrlConnectionHttpClient.builder());
        configure(builder, config.iot().endpointOverride().orElse(null));
        return builder.build();
    }

    @Produces
    @ApplicationScoped
    IotDataPlaneClient iotDataPlaneClient(IotClient iot) {
        URI endpoint = config.iotData().endpointOverride().orElseGet(() -> discoverDataEndpoint(iot));
        var builder = IotDataPlaneClient.builder().httpClientBuilder(UrlConnectionHttpClient.builder());
        configure(builder, endpoint);
        return builder.build();
    }

    void closeIot(@Disposes IotClient client) {
        client.close();
    }

    void closeIotData(@Disposes IotDataPlaneClient client) {
        client.close();
    }

    /** The account's own ATS data endpoint; the legacy VeriSign endpoint is not used. */
    static URI discoverDataEndpoint(IotClient iot) {
        String address = iot.describeEndpoint(r -> r.endpointType("iot:Data-ATS")).endpointAddress();
        LOG.infof("IoT data endpoint discovered: %s", address);
        return URI.create("https://" + address);
    }

    private void configure(AwsClientBuilder<?, ?> builder, URI endpoint) {
        config.region().map(Region::of).ifPresent(builder::region);
        builder.credentialsProvider(credentials());
        if (endpoint != null) {
            builder.endpointOverride(endpoint);
        }
    }

    private AwsCredentialsProvider credentials() {
        var creds = config.credentials();
        if (creds.accessKeyId().isPresent() && creds.secretAccessKey().isPresent()) {
            return StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(creds.accessKeyId().get(), creds.secretAccessKey().get()));
        }
        return DefaultCredentialsProvider.builder().build();
    }
}
