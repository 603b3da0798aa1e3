package io.shadowcast.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.stream.Collectors;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Turns the framework's own errors (bad JSON, unknown fields, 404, 405, 413...) into the API's JSON error shape. */
public class JsonErrorMappers {

    @ServerExceptionMapper
    public Response unknownField(UnrecognizedPropertyException e) {
        return badRequest(new ApiError("unknown field '" + e.getPropertyName() + "'", e.getPropertyName()));
    }

    /** More specific than Quarkus' built-in mapper for this type, whose body is not the API's error shape. */
    @ServerExceptionMapper
    public Response wrongShape(MismatchedInputException e) {
        return badJson(e);
    }

    @ServerExceptionMapper
    public Response badJson(JsonProcessingException e) {
        String field = e instanceof JsonMappingException mapping ? path(mapping) : null;
        String message = field == null || field.isEmpty()
                ? "the body is not valid JSON: " + e.getOriginalMessage()
                : "field '" + field + "' has the wrong type or shape";
        return badRequest(new ApiError(message, field == null || field.isEmpty() ? null : field));
    }

    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e) {
        Response original = e.getResponse();
        if (original.hasEntity() && original.getEntity() instanceof ApiError error) {
            return Response.status(original.getStatus()).type(MediaType.APPLICATION_JSON_TYPE).entity(error).build();
        }
        String reason = original.getStatusInfo().getReasonPhrase();
        return Response.status(original.getStatus()).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(ApiError.of(e.getMessage() == null || e.getMessage().isBlank() ? reason : e.getMessage()))
                .build();
    }

    private static String path(JsonMappingException e) {
        return e.getPath().stream()
                .map(reference -> reference.getFieldName() != null ? reference.getFieldName() : "[" + reference.getIndex() + "]")
                .collect(Collectors.joining("."));
    }

    private static Response badRequest(ApiError error) {
        return Response.status(Response.Status.BAD_REQUEST).type(MediaType.APPLICATION_JSON_TYPE).entity(error).build();
    }
}
