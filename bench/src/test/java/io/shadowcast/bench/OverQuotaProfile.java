package io.shadowcast.bench;

import java.util.HashMap;
import java.util.Map;

/** As {@link RolloutBenchProfile}, but max-rate set to twice the quota, as by an operator who does not know it. */
public class OverQuotaProfile extends RolloutBenchProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> overrides = new HashMap<>(super.getConfigOverrides());
        overrides.put("shadowcast.rollout.max-rate", Integer.toString(2 * QUOTA));
        return overrides;
    }
}
