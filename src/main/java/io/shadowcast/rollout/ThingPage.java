package io.shadowcast.rollout;

import java.util.List;

/** One page of thing names and the token of the next page (null after the last). */
public record ThingPage(List<String> things, String nextToken) {

    public ThingPage {
        things = List.copyOf(things);
    }
}
