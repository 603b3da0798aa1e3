package io.shadowcast.testing;

import java.net.URI;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iotdataplane.IotDataPlaneClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/** Real SDK clients for tests that run outside the application (against an emulator endpoint). */
public record TestClients(S3Client s3, SqsClient sqs, SnsClient sns, DynamoDbClient dynamo, IotClient iot,
        IotDataPlaneClient iotData) implements AutoCloseable {

    public static TestClients of(URI endpoint) {
        return new TestClients(
                configure(S3Client.builder().forcePathStyle(true).httpClientBuilder(UrlConnectionHttpClient.builder()), endpoint),
                configure(SqsClient.builder().httpClientBuilder(UrlConnectionHttpClient.builder()), endpoint),
                configure(SnsClient.builder().httpClientBuilder(UrlConnectionHttpClient.builder()), endpoint),
                configure(DynamoDbClient.builder().httpClientBuilder(UrlConnectionHttpClient.builder()), endpoint),
                configure(IotClient.builder().httpClientBuilder(UrlConnectionHttpClient.builder()), endpoint),
                configure(IotDataPlaneClient.builder().httpClientBuilder(UrlConnectionHttpClient.builder()), endpoint));
    }

    private static <C, B extends AwsClientBuilder<B, C>> C configure(B builder, URI endpoint) {
        return builder.endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .build();
    }

    @Override
    public void close() {
        s3.close();
        sqs.close();
        sns.close();
        dynamo.close();
        iot.close();
        iotData.close();
    }
}
