package org.orderevents.retry;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A route's retry policy as its route file writes it: read, defaults kept, delays, refusals. */
class RetryPolicyTest {

    private static final RetryPolicy DEFAULTS = new RetryPolicy(3, 1_000, 2, 60_000, false);

    @Test
    void whatTheRouteLeavesOutKeepsTheDefaults() {
        RetryPolicy unknownOrders = DEFAULTS.with("retries=15 delay=100");
        assertThat(unknownOrders).isEqualTo(new RetryPolicy(15, 100, 2, 60_000, false));
        assertThat(DEFAULTS.with("mode=blocking").blocking()).isTrue();
        assertThat(DEFAULTS.with("  ")).isEqualTo(DEFAULTS);
    }

    @Test
    void delaysGrowByTheMultiplierUpToTheLargest() {
        RetryPolicy policy = DEFAULTS.with("delay=100, multiplier=2, max-delay=1000");
        assertThat(policy.delayBefore(1)).isEqualTo(100);
        assertThat(policy.delayBefore(2)).isEqualTo(200);
        assertThat(policy.delayBefore(4)).isEqualTo(800);
        assertThat(policy.delayBefore(5)).isEqualTo(1000);
        assertThat(policy.delayBefore(30)).isEqualTo(1000);
    }

    @Test
    void itsTextReadsBackAsTheSamePolicy() {
        RetryPolicy policy = DEFAULTS.with("retries=5 delay=250 multiplier=1.5 max-delay=4000 mode=blocking");
        assertThat(DEFAULTS.with(policy.toString())).isEqualTo(policy);
    }

    @Test
    void aWrongSettingIsRefusedNamingIt() {
        assertThatThrownBy(() -> DEFAULTS.with("retrys=3")).hasMessageContaining("unknown setting retrys");
        assertThatThrownBy(() -> DEFAULTS.with("delay=soon")).hasMessageContaining("delay=soon");
        assertThatThrownBy(() -> DEFAULTS.with("mode=eventually")).hasMessageContaining("mode must be parked or blocking");
        assertThatThrownBy(() -> DEFAULTS.with("multiplier=0.5")).hasMessageContaining("multiplier >= 1");
    }
}
