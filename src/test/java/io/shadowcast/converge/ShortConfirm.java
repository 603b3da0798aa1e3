package io.shadowcast.converge;

import io.shadowcast.testing.SimulatedIot;
import java.util.HashMap;
import java.util.Map;

/** {@link SimulatedIot} with a confirm timeout of seconds instead of an hour, swept twice a second. */
public class ShortConfirm extends SimulatedIot {

    static final java.time.Duration CONFIRM_TIMEOUT = java.time.Duration.ofSeconds(6);

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> overrides = new HashMap<>(super.getConfigOverrides());
        overrides.put("shadowcast.converge.confirm-timeout", CONFIRM_TIMEOUT.toSeconds() + "s");
        overrides.put("shadowcast.converge.sweep-every", "500ms");
        return overrides;
    }
}
