package io.shadowcast.rollout;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shadowcast.api.ApiError;
import io.shadowcast.api.PageCursor;
import io.shadowcast.aws.QueueUrls;
import io.shadowcast.config.RolloutConfig;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Rollouts over HTTP: list newest first (all, or the uploads of one key), read one, start one by hand
 * (optionally in waves), pause, resume or cancel one. A
 * rollout started here goes through the rollout queue exactly like an S3 event, so it gets the same
 * retries, checkpoints and dead-letter handling. Errors are JSON: {@code {"message": "..."}}.
 */
@Path("/rollouts")
@Produces(MediaType.APPLICATION_JSON)
public class RolloutResource {

    private static final Logger LOG = Logger.getLogger(RolloutResource.class);
    static final int MAX_LIMIT = 100;

    private final RolloutStore store;
    private final SlotLease slots;
    private final RolloutService rollouts;
    private final S3Client s3;
    private final SqsClient sqs;
    private final QueueUrls queueUrls;
    private final RolloutConfig config;
    private final ObjectMapper json;
    private final DeviceLedger ledger;

    RolloutResource(RolloutStore store, SlotLease slots, RolloutService rollouts, S3Client s3, SqsClient sqs,
            QueueUrls queueUrls, RolloutConfig config, ObjectMapper json, DeviceLedger ledger) {
        this.ledger = ledger;
        this.store = store;
        this.slots = slots;
        this.rollouts = rollouts;
        this.s3 = s3;
        this.sqs = sqs;
        this.queueUrls = queueUrls;
        this.config = config;
        this.json = json;
    }

    /**
     * A request to roll out the current version of an object, optionally in waves (the plan syntax of
     * docs/rollout.md, "Staged waves"; threshold and timeout default to the configuration).
     */
    public record StartRequest(String bucket, String key, String waves, String waveThreshold, String waveTimeout) {
    }

    /** The answer to a retry request: the rollout and how many failed things it writes again. */
    public record Retrying(String id, String retryId, int things, String status) {
    }

    /** The answer to a start request: the id under which the rollout will be found. */
    public record Started(String id, String bucket, String key, String versionId, String eTag, String status) {
    }

    /** Every rollout, or with {@code key} the uploads of that key (in any bucket, or in {@code bucket}), newest first. */
    @GET
    public RolloutStore.Page list(@QueryParam("limit") @DefaultValue("20") int limit, @QueryParam("cursor") String cursor,
            @QueryParam("key") String key, @QueryParam("bucket") String bucket) {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw error(Response.Status.BAD_REQUEST, "limit must be between 1 and " + MAX_LIMIT);
        }
        String from = cursor == null || cursor.isBlank() ? null : cursor;
        if (!blank(bucket) && blank(key)) {
            throw error(Response.Status.BAD_REQUEST, "bucket filters the uploads of a key: give key too");
        }
        return blank(key) ? store.list(limit, from) : store.listByKey(blank(bucket) ? null : bucket, key, limit, from);
    }

    @GET
    @Path("{id}")
    public RolloutView get(@PathParam("id") String id) {
        return new RolloutView(store.get(id).orElseThrow(() -> notFound(id)), ledger.convergence(id));
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response start(StartRequest request) {
        if (request == null || blank(request.bucket()) || blank(request.key())) {
            throw error(Response.Status.BAD_REQUEST, "bucket and key are required");
        }
        Map<String, String> plan = planOf(request);
        HeadObjectResponse head = head(request.bucket(), request.key());
        ObjectRef object = new ObjectRef(request.bucket(), request.key(), head.versionId(), head.eTag());
        // a request is an upload at the time of the request: it supersedes what the slot holds now
        Upload upload = new Upload(object, Instant.now(), null, UUID.randomUUID().toString(), plan);
        String id = upload.rolloutId();
        String body = eventFor(upload, head.contentLength());
        sqs.sendMessage(r -> r.queueUrl(queueUrls.urlOf(config.queue())).messageBody(body));
        LOG.infof("Rollout %s of %s (version %s) queued by request", id, object.url(), object.versionId());
        return Response.accepted(new Started(id, object.bucket(), object.key(), object.versionId(), object.eTag(), "QUEUED"))
                .location(URI.create("/rollouts/" + id))
                .build();
    }

    /**
     * Writes again to the things a PARTIAL or ABORTED rollout failed, through the rollout queue (so a
     * crash does not lose the retry), while the rollout is still the newest upload of its shadow slot.
     */
    @POST
    @Path("{id}/retry")
    public Response retry(@PathParam("id") String id) {
        RolloutRecord record = store.get(id).orElseThrow(() -> notFound(id));
        if (record.status() != RolloutStatus.PARTIAL && record.status() != RolloutStatus.ABORTED) {
            throw error(Response.Status.CONFLICT, "rollout " + id + " is " + record.status()
                    + ": only a PARTIAL or ABORTED rollout can be retried");
        }
        if (!slots.isNewest(SlotLease.slotOf(config.shadowName().orElse(null)), record.order())) {
            throw error(Response.Status.CONFLICT, "rollout " + id + " is no longer the newest upload for its shadow: "
                    + "a retry would write an older object over a newer one; upload again to roll it out");
        }
        String retryId = UUID.randomUUID().toString();
        ObjectNode body = json.createObjectNode().put(S3NotificationParser.RETRY, id)
                .put(S3NotificationParser.RETRY_ID, retryId).put(S3NotificationParser.RETRY_FROM, record.status().name());
        sqs.sendMessage(r -> r.queueUrl(queueUrls.urlOf(config.queue())).messageBody(body.toString()));
        LOG.infof("Retry %s of the %d failed things of rollout %s of %s queued by request", retryId,
                record.failedThings().size(), id, record.url());
        return Response.accepted(new Retrying(id, retryId, record.failedThings().size(), "QUEUED"))
                .location(URI.create("/rollouts/" + id)).build();
    }

    /** Cancels a running or paused rollout. */
    @DELETE
    @Path("{id}")
    public RolloutRecord cancel(@PathParam("id") String id) {
        RolloutRecord record = store.cancel(id).orElseThrow(() -> {
            RolloutRecord ended = store.get(id).orElseThrow(() -> notFound(id));
            return error(Response.Status.CONFLICT, "rollout " + id + " is not running nor paused: it ended "
                    + ended.status());
        });
        rollouts.stopHere(id);
        LOG.infof("Rollout %s of %s cancelled by request", id, record.url());
        return record;
    }

    /**
     * Pauses a running rollout: its worker stops handing out writes (at once on this replica, at its next
     * checkpoint or heartbeat on another) and keeps its last checkpoint for a resume.
     */
    @POST
    @Path("{id}/pause")
    public RolloutRecord pause(@PathParam("id") String id) {
        RolloutRecord record = store.pauseByRequest(id).orElseThrow(() -> {
            RolloutRecord current = store.get(id).orElseThrow(() -> notFound(id));
            return error(Response.Status.CONFLICT, "rollout " + id + " is " + current.status()
                    + ": only a RUNNING rollout can be paused");
        });
        rollouts.stopHere(id);
        LOG.infof("Rollout %s of %s paused by request", id, record.url());
        return record;
    }

    /**
     * Runs a paused rollout on through the rollout queue, from its checkpoint; one paused between two
     * waves goes on with the next wave (resuming is the approval its gate waited for).
     */
    @POST
    @Path("{id}/resume")
    public Response resume(@PathParam("id") String id) {
        RolloutRecord record = store.resume(id).orElseThrow(() -> {
            RolloutRecord current = store.get(id).orElseThrow(() -> notFound(id));
            return error(Response.Status.CONFLICT, "rollout " + id + " is " + current.status()
                    + ": only a PAUSED rollout can be resumed");
        });
        ObjectNode body = json.createObjectNode().put(S3NotificationParser.RESUME, id);
        sqs.sendMessage(r -> r.queueUrl(queueUrls.urlOf(config.queue())).messageBody(body.toString()));
        LOG.infof("Rollout %s of %s resumed by request (wave %d)", id, record.url(), record.wave() + 1);
        return Response.accepted(record).location(URI.create("/rollouts/" + id)).build();
    }

    @ServerExceptionMapper
    Response mapBadCursor(PageCursor.Invalid e) {
        return Response.status(Response.Status.BAD_REQUEST).type(MediaType.APPLICATION_JSON)
                .entity(new ApiError(e.getMessage(), "cursor")).build();
    }

    /** The plan a request asks for, under the object metadata's names; 400 naming the field when it cannot run. */
    private Map<String, String> planOf(StartRequest request) {
        if (blank(request.waves())) {
            if (!blank(request.waveThreshold()) || !blank(request.waveTimeout())) {
                throw error(Response.Status.BAD_REQUEST, "waveThreshold and waveTimeout go with waves: give waves too");
            }
            return Map.of();
        }
        try {
            WavePlan.parse(request.waves(), request.waveThreshold(), request.waveTimeout(), config.waves().threshold(),
                    config.waves().timeout());
        } catch (WavePlan.InvalidPlan e) {
            String field = switch (e.field()) {
                case WAVES -> "waves";
                case THRESHOLD -> "waveThreshold";
                case TIMEOUT -> "waveTimeout";
            };
            throw error(Response.Status.BAD_REQUEST, field + ": " + e.getMessage());
        }
        Map<String, String> plan = new HashMap<>();
        plan.put(WavePlanRule.META_WAVES, request.waves());
        if (!blank(request.waveThreshold())) {
            plan.put(WavePlanRule.META_THRESHOLD, request.waveThreshold());
        }
        if (!blank(request.waveTimeout())) {
            plan.put(WavePlanRule.META_TIMEOUT, request.waveTimeout());
        }
        return plan;
    }

    private HeadObjectResponse head(String bucket, String key) {
        try {
            return s3.headObject(r -> r.bucket(bucket).key(key));
        } catch (NoSuchKeyException e) {
            throw error(Response.Status.NOT_FOUND, "no object s3://" + bucket + "/" + key);
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                throw error(Response.Status.NOT_FOUND, "no object s3://" + bucket + "/" + key);
            }
            if (e.statusCode() == 403) {
                throw error(Response.Status.FORBIDDEN, "no access to s3://" + bucket + "/" + key);
            }
            throw e;
        }
    }

    /** The same S3 event notification record that S3 would send for this object, naming the request. */
    private String eventFor(Upload upload, Long size) {
        ObjectRef object = upload.object();
        ObjectNode root = json.createObjectNode();
        ObjectNode record = root.putArray("Records").addObject();
        record.put("eventVersion", "2.1");
        record.put("eventSource", "shadowcast:api");
        record.put("eventTime", upload.eventTime().toString());
        record.put("eventName", "ObjectCreated:Api");
        record.put(S3NotificationParser.REQUEST_ID, upload.requestId());
        if (!upload.plan().isEmpty()) {
            ObjectNode plan = record.putObject(S3NotificationParser.PLAN);
            upload.plan().forEach(plan::put);
        }
        ObjectNode s3Node = record.putObject("s3");
        s3Node.putObject("bucket").put("name", object.bucket());
        ObjectNode objectNode = s3Node.putObject("object");
        objectNode.put("key", URLEncoder.encode(object.key(), StandardCharsets.UTF_8));
        if (size != null) {
            objectNode.put("size", size);
        }
        if (object.eTag() != null) {
            objectNode.put("eTag", object.eTag());
        }
        if (object.versionId() != null) {
            objectNode.put("versionId", object.versionId());
        }
        try {
            return json.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of strings and numbers always serialises", e);
        }
    }

    private static WebApplicationException notFound(String id) {
        return error(Response.Status.NOT_FOUND, "no rollout " + id);
    }

    private static WebApplicationException error(Response.Status status, String message) {
        return new WebApplicationException(message, Response.status(status).entity(ApiError.of(message)).build());
    }

    private static boolean blank(String value) {
        return value == null || value.isBlank();
    }
}
