package io.brevosync.run;

import java.util.Map;

/**
 * How far a run's reading is, where a total is known: the rows the export's last comparable run read (a query's
 * exact count would cost what the read costs). Below 100 % until the reading ends; the time left is extrapolated.
 */
record RunProgress(long expectedRows, long percent, long secondsLeft) {

    /** null without a known total */
    static RunProgress of(long read, long expected, boolean reading, double seconds) {
        if (expected <= 0) {
            return null;
        }
        long percent = reading ? Math.min(99, read * 100 / expected) : 100;
        long left = reading && read > 0 ? Math.round(seconds * Math.max(0, expected - read) / read) : 0;
        return new RunProgress(expected, percent, left);
    }

    Map<String, Object> fields() {
        return Map.of("expectedRows", expectedRows, "percent", percent, "secondsLeft", secondsLeft);
    }

    @Override
    public String toString() {
        return percent + " % of the " + expectedRows + " rows the last run read, about " + secondsLeft + " s left";
    }
}
