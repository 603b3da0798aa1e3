package io.shadowcast.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Points the application's IoT control- and data-plane clients at an {@link IotSimulator}, with the
 * faults given as init arguments ({@code quota}, {@code latency-ms}, {@code throttle-every},
 * {@code server-error-every}, {@code event-loops}), and injects the simulator into test fields of its type.
 */
public class IotSimulatorResource implements QuarkusTestResourceLifecycleManager {

    private IotSimulator simulator;
    private IotSimulator.Faults faults = IotSimulator.Faults.NONE;
    private int eventLoops = 1;

    @Override
    public void init(Map<String, String> args) {
        faults = new IotSimulator.Faults(
                Double.parseDouble(args.getOrDefault("quota", "0")),
                Long.parseLong(args.getOrDefault("latency-ms", "0")),
                Integer.parseInt(args.getOrDefault("throttle-every", "0")),
                Integer.parseInt(args.getOrDefault("server-error-every", "0")));
        eventLoops = Integer.parseInt(args.getOrDefault("event-loops", "1"));
    }

    @Override
    public Map<String, String> start() {
        simulator = IotSimulator.start(faults, eventLoops);
        String endpoint = simulator.endpoint().toString();
        return Map.of("shadowcast.aws.iot.endpoint-override", endpoint,
                "shadowcast.aws.iot-data.endpoint-override", endpoint);
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(simulator, new TestInjector.MatchesType(IotSimulator.class));
    }

    @Override
    public void stop() {
        if (simulator != null) {
            simulator.close();
        }
    }
}
