package io.shadowcast.sqs;

import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Work for one SQS message. Returning normally means the work is durably done and the message
 * may be deleted; throwing leaves it on the queue for another attempt and, in the end, the
 * queue's redrive policy.
 */
@FunctionalInterface
public interface MessageHandler {

    void handle(Message message) throws Exception;
}
