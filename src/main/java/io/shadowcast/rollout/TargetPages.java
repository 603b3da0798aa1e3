package io.shadowcast.rollout;

/** A rollout's targets, page by page, and where its fan-out starts; closed when the fan-out ends. */
interface TargetPages extends FanOut.Pages, AutoCloseable {

    /** The checkpoint the fan-out starts from: the saved one, or the start when it cannot be resumed here. */
    FanOut.Checkpoint start();

    @Override
    void close();
}
