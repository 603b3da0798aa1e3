package io.shadowcast.sqs;

import java.util.concurrent.atomic.AtomicLong;

/** What one consumer did since start: read by health, metrics and tests. */
public final class ConsumerStats {

    final AtomicLong received = new AtomicLong();
    final AtomicLong deleted = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicLong poison = new AtomicLong();
    final AtomicLong sentAgain = new AtomicLong();
    final AtomicLong receiveErrors = new AtomicLong();

    public long received() {
        return received.get();
    }

    public long deleted() {
        return deleted.get();
    }

    /** Handler failures that leave the message for a later attempt. */
    public long failed() {
        return failed.get();
    }

    /** Messages whose work another worker held: sent again, due after the visibility timeout. */
    public long sentAgain() {
        return sentAgain.get();
    }

    /** Messages rejected as malformed and handed to the redrive policy. */
    public long poison() {
        return poison.get();
    }

    /** ReceiveMessage calls that failed (queue or network unreachable). */
    public long receiveErrors() {
        return receiveErrors.get();
    }
}
