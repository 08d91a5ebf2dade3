package io.edgesync.agent.sync;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Large files never take every worker of an upstream; small ones always find one. */
class LargeFileAdmissionTest {

    @Test
    void atMostAllWorkersButOneCarryALargeFile() {
        LargeFileAdmission admission = new LargeFileAdmission(4, 8 << 20);
        assertThat(admission.largeFrom()).isEqualTo(8 << 20);
        assertThat(admission.reserve()).isTrue();
        assertThat(admission.reserve()).isTrue();
        assertThat(admission.reserve()).isTrue();
        assertThat(admission.reserve()).as("the fourth worker is kept for small files").isFalse();
        admission.release();
        assertThat(admission.largeInFlight()).isEqualTo(2);
        assertThat(admission.reserve()).isTrue();
    }

    @Test
    void aSingleWorkerTakesLargeFilesAndThresholdZeroMakesNoFileLarge() {
        LargeFileAdmission single = new LargeFileAdmission(1, 1024);
        assertThat(single.reserve()).isTrue();
        assertThat(single.reserve()).as("nothing else could take them").isTrue();
        assertThat(new LargeFileAdmission(4, 0).largeFrom()).isEqualTo(Long.MAX_VALUE);
    }
}
