package io.shadowcast.converge;

import io.shadowcast.api.ApiError;
import io.shadowcast.api.PageCursor;
import io.shadowcast.rollout.RolloutStore;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code GET /rollouts/{id}/things?status=pending|applied|failed|timed_out}: pages through the things of a
 * rollout in one status ({@code pending}: written, no report yet), with a {@code next} cursor. Errors are
 * JSON naming the field.
 */
@Path("/rollouts/{id}/things")
@Produces(MediaType.APPLICATION_JSON)
public class ThingsResource {

    static final int MAX_LIMIT = 500;

    private final LedgerStore ledger;
    private final RolloutStore rollouts;

    ThingsResource(LedgerStore ledger, RolloutStore rollouts) {
        this.ledger = ledger;
        this.rollouts = rollouts;
    }

    /** One thing of the rollout: its wave, when it was written, when it reached its status, the device's error. */
    public record Thing(String thing, int wave, Instant writtenAt, Instant at, String error) {

        static Thing of(ThingItem item) {
            return new Thing(item.thing(), item.wave(), item.writtenAt(), item.at(), item.error());
        }
    }

    /** A page of things; {@code next} is the cursor of the following page, null after the last. */
    public record Page(String rolloutId, String status, List<Thing> things, String next) {
    }

    @GET
    public Page list(@PathParam("id") String id, @QueryParam("status") String status,
            @QueryParam("limit") @DefaultValue("100") int limit, @QueryParam("cursor") String cursor) {
        ThingStatus wanted = ThingStatus.ofApiName(status == null ? "" : status).orElseThrow(() -> badRequest(
                "status must be one of " + ThingStatus.LISTED.stream().map(ThingStatus::apiName)
                        .collect(Collectors.joining(", ")), "status"));
        if (limit < 1 || limit > MAX_LIMIT) {
            throw badRequest("limit must be between 1 and " + MAX_LIMIT, "limit");
        }
        if (rollouts.get(id).isEmpty()) {
            String message = "no rollout " + id;
            throw new WebApplicationException(message,
                    Response.status(Response.Status.NOT_FOUND).entity(ApiError.of(message)).build());
        }
        LedgerStore.Listing listing;
        try {
            listing = ledger.list(id, wanted, limit, cursor == null || cursor.isBlank() ? null : cursor);
        } catch (PageCursor.Invalid e) {
            throw badRequest(e.getMessage(), "cursor");
        }
        return new Page(id, wanted.apiName(), listing.things().stream().map(Thing::of).toList(), listing.next());
    }

    private static WebApplicationException badRequest(String message, String field) {
        return new WebApplicationException(message,
                Response.status(Response.Status.BAD_REQUEST).entity(new ApiError(message, field)).build());
    }
}
