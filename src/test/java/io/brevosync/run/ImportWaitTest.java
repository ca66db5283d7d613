package io.brevosync.run;

import java.time.Duration;

import io.brevosync.brevo.RateWindow;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Looks at the processes are spaced, doubling, so a long run spends a few of the 100 calls an hour, not one a batch. */
class ImportWaitTest {

    private final RateWindow window = new RateWindow();
    private final ImportWait wait = new ImportWait(Duration.ofMillis(200), Duration.ofMillis(500), Duration.ofMinutes(1), window);

    @Test
    void between_batches_the_first_look_is_at_once_and_the_next_ones_wait_twice_as_long_capped() throws Exception {
        // 400 ms doubling to a cap of 1 s: each "not yet" has 400 ms to spare for a sleep that overshoots on a busy machine
        ImportWait capped = new ImportWait(Duration.ofMillis(400), Duration.ofMillis(1000), Duration.ofMinutes(1), window);
        assertTrue(due(capped));
        assertFalse(due(capped), "the next one waits");
        Thread.sleep(400);
        assertFalse(due(capped), "twice the first wait: 800 ms");
        Thread.sleep(500);
        assertTrue(due(capped));
        Thread.sleep(600);
        assertFalse(due(capped), "capped at 1 s, not 1.6");
        Thread.sleep(500);
        assertTrue(due(capped));
    }

    @Test
    void between_batches_the_wait_stops_doubling_at_eight_times_the_first() throws Exception {
        ImportWait longWait = new ImportWait(Duration.ofMillis(50), Duration.ofSeconds(10), Duration.ofMinutes(1), window);
        assertTrue(due(longWait));
        // 100, 200, 400 ms, then 400 again (not 800)
        for (long gap : new long[] {100, 200, 400, 400}) {
            Thread.sleep(gap + 20);
            assertTrue(due(longWait), "due after " + gap + " ms");
        }
    }

    @Test
    void after_the_pass_the_first_look_waits_the_first_wait_and_a_new_pass_starts_again() throws Exception {
        assertTrue(due(wait));
        assertTrue(wait.nextTick() > 100, "the wait after the pass begins at its first tick");
        assertFalse(wait.lookDue());
        Thread.sleep(wait.nextTick() + 10);
        assertTrue(wait.lookDue());
        wait.reset();
        assertTrue(due(wait), "a new pass looks between its batches at once again");
    }

    @Test
    void short_of_calls_the_looks_between_batches_stop_and_those_after_the_pass_spread_what_is_left() throws Exception {
        window.observed(99L, 3600L);
        assertTrue(due(wait), "plenty left");
        // 20 calls left for the next 100 s: none spent between batches, one every 5 s after the pass
        window.observed(20L, 100L);
        Thread.sleep(450);
        assertFalse(due(wait));
        Thread.sleep(wait.nextTick() + 10);
        assertTrue(wait.lookDue());
        assertTrue(wait.nextTick() == 1000, "the next look is seconds away, not 400 ms");
        window.observed(20L, 0L);
        assertTrue(due(wait), "the window has reset");
    }

    @Test
    void a_look_between_batches_needs_four_pending_imports_and_none_under_way() {
        assertFalse(wait.startLookBetweenBatches(ImportWait.PENDING_BEFORE_POLL - 1));
        assertTrue(wait.startLookBetweenBatches(ImportWait.PENDING_BEFORE_POLL));
        wait.reset();
        assertFalse(wait.startLookBetweenBatches(ImportWait.PENDING_BEFORE_POLL), "one is under way");
        wait.lookEnded();
        wait.awaitLook();
        assertTrue(wait.startLookBetweenBatches(ImportWait.PENDING_BEFORE_POLL));
    }

    /** Whether a look between batches may be made now, with enough imports pending; the look is over at once. */
    private static boolean due(ImportWait wait) {
        boolean due = wait.startLookBetweenBatches(ImportWait.PENDING_BEFORE_POLL);
        if (due) {
            wait.lookEnded();
        }
        return due;
    }
}
