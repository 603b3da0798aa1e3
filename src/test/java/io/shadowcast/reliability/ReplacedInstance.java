package io.shadowcast.reliability;

import io.shadowcast.testing.AppProcess;
import io.shadowcast.testing.MotoServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * One emulator and two service JVMs in turn: the first is stopped (killed or terminated) by the test
 * and the second takes over its work. Whatever is still running afterwards is stopped.
 */
abstract class ReplacedInstance {

    protected MotoServer moto;
    protected AppProcess first;
    protected AppProcess second;

    @BeforeEach
    void startEmulator() {
        moto = MotoServer.start();
    }

    @AfterEach
    void stopAll() {
        if (first != null) {
            first.kill();
        }
        if (second != null) {
            second.close();
        }
        moto.close();
    }
}
