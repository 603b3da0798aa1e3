package io.shadowcast.converge;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.StartupEvent;
import io.shadowcast.config.ConvergeConfig;
import io.shadowcast.config.RolloutConfig;
import io.shadowcast.sqs.SqsConsumers;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Consumes the report queue (devices' {@code reported.s3} changes, forwarded by the report rule) through the
 * shared SQS loop. A message is deleted once its report is counted, or found to count for nothing (a
 * duplicate, another shadow, a rollout no longer kept); an unreadable one is poison for the redrive policy.
 */
@ApplicationScoped
public class ReportConsumer {

    private static final Logger LOG = Logger.getLogger(ReportConsumer.class);

    private final SqsConsumers consumers;
    private final ConvergeConfig config;
    private final ConvergenceLedger ledger;
    private final DeviceReportParser parser;
    private final Optional<String> shadowName;

    ReportConsumer(SqsConsumers consumers, ConvergeConfig config, RolloutConfig rollout, ConvergenceLedger ledger,
            ObjectMapper json) {
        this.consumers = consumers;
        this.config = config;
        this.ledger = ledger;
        this.parser = new DeviceReportParser(json);
        this.shadowName = rollout.shadowName();
    }

    void onStart(@Observes StartupEvent event) {
        if (config.enabled()) {
            consumers.start("reports", config.queue(), config.concurrency(), this::handle);
        } else {
            LOG.info("Report consumer off (shadowcast.converge.enabled=false)");
        }
    }

    void handle(Message message) {
        DeviceReport report = parser.parse(message.body());
        if (!Objects.equals(report.shadowName(), shadowName.orElse(null))) {
            LOG.debugf("Message %s: thing %s reported in shadow %s, which rollouts do not write: ignored",
                    message.messageId(), report.thingName(), report.shadowName() == null ? "(classic)" : report.shadowName());
            return;
        }
        var counted = ledger.report(report);
        if (counted.isEmpty()) {
            LOG.infof("Message %s: thing %s reported %s: no kept rollout wrote that object to it", message.messageId(),
                    report.thingName(), report.describe());
            return;
        }
        LOG.infof("Message %s: thing %s reported %s: %s", message.messageId(), report.thingName(), report.describe(),
                counted.stream().map(c -> "rollout " + c.before().rolloutId() + (c.moved()
                        ? " " + c.before().status() + " -> " + c.now() : " stays " + c.now()))
                        .collect(Collectors.joining(", ")));
    }
}
