package io.shadowcast.bench;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/** Counts the API calls a client makes, by operation. */
final class CallCounter implements ExecutionInterceptor {

    private final Map<String, LongAdder> calls = new ConcurrentHashMap<>();

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        calls.computeIfAbsent(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME), k -> new LongAdder())
                .increment();
    }

    long total() {
        return calls.values().stream().mapToLong(LongAdder::sum).sum();
    }

    Map<String, Long> byOperation() {
        Map<String, Long> copy = new TreeMap<>();
        calls.forEach((operation, count) -> copy.put(operation, count.sum()));
        return copy;
    }

    void reset() {
        calls.clear();
    }
}
