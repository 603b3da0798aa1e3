package io.shadowcast.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Starts one moto server for a test application and points every AWS client at it. The
 * application's own provisioning step (on in the test profile) then creates the bucket, queues,
 * topic, tables and demo things, exactly as it does for the local run.
 */
public class MotoResource implements QuarkusTestResourceLifecycleManager {

    private MotoServer moto;

    @Override
    public Map<String, String> start() {
        moto = MotoServer.start();
        return Map.of("shadowcast.local.endpoint", moto.endpoint().toString());
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(moto, new TestInjector.MatchesType(MotoServer.class));
    }

    @Override
    public void stop() {
        if (moto != null) {
            moto.close();
        }
    }
}
