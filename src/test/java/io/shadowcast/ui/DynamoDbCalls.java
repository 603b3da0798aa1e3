package io.shadowcast.ui;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * Records the operation name of every DynamoDB call the application makes (installed with
 * {@code quarkus.dynamodb.interceptors}), so that a test can say which calls a page view caused.
 */
public class DynamoDbCalls implements ExecutionInterceptor {

    private static final List<String> OPERATIONS = new CopyOnWriteArrayList<>();

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        OPERATIONS.add(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME));
    }

    static void clear() {
        OPERATIONS.clear();
    }

    static List<String> operations() {
        return List.copyOf(OPERATIONS);
    }
}
