package io.shadowcast.presence;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.shadowcast.api.ApiError;
import io.shadowcast.config.PresenceConfig;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Pending disconnect checks: list them in due order, look one up, cancel one, or schedule one by
 * hand (the same path as a disconnect event). Errors are the API's JSON {@link ApiError}, naming the field.
 */
@Path("/checks")
@Produces(MediaType.APPLICATION_JSON)
public class CheckResource {

    static final int MAX_PAGE = 1000;
    private static final Set<String> POST_FIELDS = Set.of("thingName", "disconnectedAt");

    private final CheckStore store;
    private final PresenceService service;
    private final ObjectMapper json;
    private final Clock clock;
    private final TimeBounds bounds;

    CheckResource(CheckStore store, PresenceService service, ObjectMapper json, Clock clock, PresenceConfig config) {
        this.store = store;
        this.service = service;
        this.json = json;
        this.clock = clock;
        this.bounds = TimeBounds.of(config, clock);
    }

    /** A pending check as the API shows it: times in ISO-8601 UTC. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record CheckView(String thingName, String disconnectedAt, String dueAt, String source, String reason,
            String createdAt, int claims, String status, String publishingBy) {

        static CheckView of(PendingCheck check) {
            return new CheckView(check.thingName(), check.disconnectedAt().toString(), check.dueAt().toString(),
                    check.source().name(), check.reason().orElse(null), check.createdAt().toString(), check.claims(),
                    check.status().name(), check.alert().map(PendingCheck.Publishing::owner).orElse(null));
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PageView(List<CheckView> checks, String next) {
    }

    @GET
    public Response list(@QueryParam("limit") @DefaultValue("50") String limitText, @QueryParam("after") String after) {
        int limit;
        try {
            limit = Integer.parseInt(limitText);
        } catch (NumberFormatException e) {
            limit = -1;
        }
        if (limit < 1 || limit > MAX_PAGE) {
            return badRequest("limit must be a whole number from 1 to " + MAX_PAGE, "limit");
        }
        CheckStore.Page page;
        try {
            page = store.page(limit, Optional.ofNullable(after).filter(a -> !a.isBlank()));
        } catch (IllegalArgumentException e) {
            return badRequest(e.getMessage(), "after");
        }
        return Response.ok(new PageView(page.checks().stream().map(CheckView::of).toList(), page.next().orElse(null)))
                .build();
    }

    @GET
    @Path("/{thingName}")
    public Response get(@PathParam("thingName") String thingName) {
        if (!ThingNames.isValid(thingName)) {
            return invalidName();
        }
        return store.get(thingName).map(check -> Response.ok(CheckView.of(check)).build())
                .orElseGet(() -> notFound(thingName));
    }

    @DELETE
    @Path("/{thingName}")
    public Response cancel(@PathParam("thingName") String thingName) {
        if (!ThingNames.isValid(thingName)) {
            return invalidName();
        }
        return store.cancel(thingName).map(check -> Response.ok(CheckView.of(check)).build())
                .orElseGet(() -> notFound(thingName));
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    public Response schedule(String body) {
        JsonNode root;
        try {
            root = json.readTree(body == null ? "" : body);
        } catch (JsonProcessingException e) {
            return badRequest("body is not JSON: " + e.getOriginalMessage(), "body");
        }
        if (root == null || !root.isObject()) {
            return badRequest("body must be a JSON object {\"thingName\":...,\"disconnectedAt\":...}", "body");
        }
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!POST_FIELDS.contains(name)) {
                return badRequest("unknown field " + name + "; allowed: thingName, disconnectedAt", name);
            }
        }
        JsonNode name = root.get("thingName");
        if (name == null || !name.isTextual() || !ThingNames.isValid(name.asText())) {
            return invalidName();
        }
        Instant disconnectedAt;
        try {
            disconnectedAt = disconnectedAt(root.get("disconnectedAt"));
        } catch (IllegalArgumentException e) {
            return badRequest(e.getMessage(), "disconnectedAt");
        }
        String thingName = name.asText();
        var outcome = service.disconnected(thingName, EventOrder.Stamp.at(disconnectedAt), CheckSource.MANUAL,
                Optional.empty());
        if (outcome == CheckStore.ScheduleOutcome.STALE) {
            return Response.status(Response.Status.CONFLICT)
                    .entity(new ApiError("a newer disconnect or connect of " + thingName + " is already known",
                            "disconnectedAt"))
                    .build();
        }
        return store.get(thingName)
                .map(check -> Response.created(URI.create("/checks/" + thingName)).entity(CheckView.of(check)).build())
                // verified and removed already (a disconnect older than the grace period, polled at once)
                .orElseGet(() -> Response.accepted().build());
    }

    /** ISO-8601 instant or epoch seconds, within {@link TimeBounds}; absent means now. */
    private Instant disconnectedAt(JsonNode node) {
        if (node == null || node.isNull()) {
            return clock.instant();
        }
        Instant at = null;
        Optional<Long> seconds = Optional.empty();
        if (node.isIntegralNumber() && node.canConvertToLong() && node.asLong() > 0) {
            seconds = Optional.of(node.asLong());
            at = Instant.ofEpochSecond(Math.min(node.asLong(), Instant.MAX.getEpochSecond()));
        } else if (node.isTextual()) {
            try {
                at = Instant.parse(node.asText());
            } catch (DateTimeParseException e) {
                // fall through to the message below
            }
        }
        if (at == null) {
            throw new IllegalArgumentException("disconnectedAt must be an ISO-8601 instant or epoch seconds, was " + node);
        }
        Optional<String> problem = bounds.problem(at, seconds);
        if (problem.isPresent()) {
            throw new IllegalArgumentException("disconnectedAt " + problem.get());
        }
        return at;
    }

    private static Response badRequest(String message, String field) {
        return Response.status(Response.Status.BAD_REQUEST).entity(new ApiError(message, field)).build();
    }

    private static Response invalidName() {
        return badRequest("thingName must be a thing name ([a-zA-Z0-9:_-]{1,128})", "thingName");
    }

    private static Response notFound(String thingName) {
        return Response.status(Response.Status.NOT_FOUND)
                .entity(new ApiError("no pending check for thing " + thingName, "thingName")).build();
    }
}
