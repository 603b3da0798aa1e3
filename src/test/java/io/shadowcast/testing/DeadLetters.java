package io.shadowcast.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * What every queue's poison test checks: each malformed message ends in the queue's DLQ (by the redrive
 * policy, untouched) and is logged once, as a warning naming its message id.
 */
public final class DeadLetters {

    private DeadLetters() {
    }

    /** Waits until every one of {@code bodies} (each containing {@code marker}) was found in the DLQ. */
    public static void awaitAll(SqsClient sqs, String dlqUrl, String marker, Collection<String> bodies, Duration timeout) {
        Set<String> found = ConcurrentHashMap.newKeySet();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!found.containsAll(bodies)) {
            assertThat(System.nanoTime()).as("every malformed message in %s within %s; found %d of %d", dlqUrl, timeout,
                    found.size(), bodies.size()).isLessThan(deadline);
            sqs.receiveMessage(r -> r.queueUrl(dlqUrl).maxNumberOfMessages(10).waitTimeSeconds(1)).messages().stream()
                    .filter(message -> message.body().contains(marker)).forEach(message -> found.add(message.body()));
        }
    }

    /** @param whatById what each malformed message was, by the message id it was sent with */
    public static void assertWarnedOnceEach(LogCapture log, Map<String, String> whatById) {
        whatById.forEach((id, what) -> assertThat(log.lines().stream()
                .filter(line -> line.level().intValue() == Level.WARNING.intValue() && line.text().contains(id)).count())
                .as("warnings naming the %s message %s", what, id).isEqualTo(1));
    }
}
