package io.shadowcast.join;

import io.shadowcast.api.ApiError;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * {@code POST /rollouts/{id}/sweep}: catches up with things whose join events were missed. Answers
 * when the sweep is done, with what it found and wrote.
 */
@Path("/rollouts/{id}/sweep")
@Produces(MediaType.APPLICATION_JSON)
public class SweepResource {

    private final JoinWriter joins;

    SweepResource(JoinWriter joins) {
        this.joins = joins;
    }

    @POST
    public JoinWriter.SweepReport sweep(@PathParam("id") String id) throws InterruptedException {
        try {
            return joins.sweep(id);
        } catch (JoinWriter.SweepRefused refused) {
            Response.Status status = refused.notFound() ? Response.Status.NOT_FOUND : Response.Status.CONFLICT;
            throw new WebApplicationException(refused.getMessage(),
                    Response.status(status).entity(ApiError.of(refused.getMessage())).build());
        }
    }
}
