package io.shadowcast.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/** The body of every error answer of the REST API; {@code field} names the offending input when there is one. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ApiError(String message, String field) {

    public static ApiError of(String message) {
        return new ApiError(message, null);
    }
}
